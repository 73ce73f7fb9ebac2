"""The kiosk's configuration: one TOML file that IT manages, in the site-wide configuration folder
(platformdirs' site config dir) unless named.

    [kiosk]
    organisation = { en = "Treasury Board Secretariat", fr = "Secrétariat du Conseil du Trésor" }
    logo = "/etc/appwarden/logo.png"          # optional: a PNG or JPEG file
    help_contact = { en = "Help desk, room 101, ext. 4357", fr = "Soutien, salle 101, poste 4357" }
    languages = ["en", "fr"]                  # shown in the language switch, the first at the start
    packs = ["/etc/appwarden/extra.toml"]     # packs in force beside the shipped default pack
    default_pack = true                       # false: only `packs`
    idle_timeout_s = 120                      # back to the welcome screen after this long untouched
    keep_daily_counts = false                 # true: a count per day of checks and findings per rule
    state_folder = "/var/lib/appwarden-kiosk" # what the kiosk keeps (default: platformdirs' site data dir)
    pin_hash = "pbkdf2_sha256$600000$…$…"      # written by appwarden kiosk --set-pin

Every problem is found, not only the first (`problems`), each a line a person can act on; a file
that cannot be used still leaves the defaults (`KioskConfig()`), so the kiosk starts.
"""

from __future__ import annotations

import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from appwarden.core.i18n import SUPPORTED_LANGUAGES, LocalText
from appwarden.core.kiosk.pin import hash_problem
from appwarden.core.sources.rooted_common import NotARegularFile, open_regular_file

CONFIG_FILE = "kiosk.toml"
MAX_CONFIG_BYTES = 256 * 1024
MAX_LOGO_BYTES = 4 * 1024 * 1024
COUNTDOWN_S = 15  # the visible countdown before an idle reset: the timeout must leave room for it
MIN_IDLE_S, MAX_IDLE_S = 30, 3600
MAX_TEXT = 200
KEYS = ("organisation", "logo", "help_contact", "languages", "packs", "default_pack", "idle_timeout_s",
        "keep_daily_counts", "state_folder", "pin_hash")
LOGO_SUFFIXES = (".png", ".jpg", ".jpeg")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


@dataclass(frozen=True)
class KioskConfig:
    organisation: LocalText | None = None
    logo: Path | None = None
    help_contact: LocalText | None = None
    languages: tuple[str, ...] = SUPPORTED_LANGUAGES
    packs: tuple[Path, ...] = ()
    default_pack: bool = True
    idle_timeout_s: int = 120
    keep_daily_counts: bool = False
    state_folder: Path | None = None  # None: platformdirs' site data dir
    pin_hash: str | None = None


@dataclass(frozen=True)
class ConfigReading:
    config: KioskConfig
    problems: tuple[str, ...] = field(default=())  # each "FILE: what is wrong", in English for IT


def default_config_path() -> Path:
    import platformdirs

    return Path(platformdirs.site_config_dir("appwarden", appauthor=False)) / CONFIG_FILE


def read_config(path: Path) -> ConfigReading:
    """The configuration in `path`, or the defaults and every problem that stopped a value being used."""
    problems: list[str] = []
    where = str(path)

    def problem(text: str) -> None:
        problems.append(f"{where}: {text}")

    try:
        with open(open_regular_file(path.parent, path, live=True), "rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        return ConfigReading(KioskConfig(), (f"{where}: there is no kiosk configuration here; the defaults apply",))
    except NotARegularFile:
        return ConfigReading(KioskConfig(), (f"{where}: not a regular file; the defaults apply",))
    except OSError as error:
        return ConfigReading(KioskConfig(), (f"{where}: cannot be read ({error.strerror or error}); the defaults apply",))
    if len(raw) > MAX_CONFIG_BYTES:
        return ConfigReading(KioskConfig(), (f"{where}: larger than {MAX_CONFIG_BYTES} bytes; the defaults apply",))
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return ConfigReading(KioskConfig(), (f"{where}: not UTF-8 text; the defaults apply",))
    except (tomllib.TOMLDecodeError, RecursionError) as error:
        return ConfigReading(KioskConfig(), (f"{where}: not valid TOML ({error}); the defaults apply",))
    extra = sorted(set(data) - {"kiosk"})
    if extra:
        problem(f"unknown table or key '{extra[0]}' (everything goes in the [kiosk] table)")
    table = data.get("kiosk", {})
    if not isinstance(table, dict):
        problem("[kiosk] must be a table")
        table = {}
    for key in sorted(set(table) - set(KEYS)):
        problem(f"unknown key '{key}' in [kiosk] (known: {', '.join(KEYS)})")
    values = {}
    for key, read in _READERS.items():
        if key in table:
            value = read(table[key], problem, path.parent)
            if value is not None:
                values[key] = value
    return ConfigReading(KioskConfig(**values), tuple(problems))


def _text(value: object, key: str, problem) -> LocalText | None:
    texts = {"en": value, "fr": value} if isinstance(value, str) else value
    if not isinstance(texts, dict) or not all(isinstance(v, str) for v in texts.values()):
        problem(f"{key} must be a text, or a table of texts by language ({{ en = \"…\", fr = \"…\" }})")
        return None
    if set(texts) - set(SUPPORTED_LANGUAGES) or not {"en", "fr"} <= set(texts):
        problem(f"{key} must have an English (en) and a French (fr) text, and no other language")
        return None
    if any(not v.strip() or len(v) > MAX_TEXT or _CONTROL.search(v) for v in texts.values()):
        problem(f"{key} must be plain text of 1 to {MAX_TEXT} characters, with no control or invisible characters")
        return None
    return LocalText.of(**texts)


def _path(value: object, key: str, problem, relative_to: Path) -> Path | None:
    if not isinstance(value, str) or not value or "\x00" in value:
        problem(f"{key} must be a file or folder name")
        return None
    path = Path(value)
    return path if path.is_absolute() else relative_to / path


def _logo(value: object, problem, relative_to: Path) -> Path | None:
    path = _path(value, "logo", problem, relative_to)
    if path is None:
        return None
    if path.suffix.lower() not in LOGO_SUFFIXES:
        problem(f"logo '{value}' must be a PNG or JPEG file")
        return None
    try:
        found = path.stat()
    except OSError as error:
        problem(f"logo '{value}' cannot be read ({error.strerror or error})")
        return None
    if not stat.S_ISREG(found.st_mode) or found.st_size > MAX_LOGO_BYTES:
        problem(f"logo '{value}' must be a regular file of at most {MAX_LOGO_BYTES // (1024 * 1024)} MiB")
        return None
    return path


def _languages(value: object, problem, _relative_to: Path) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not value or not all(v in SUPPORTED_LANGUAGES for v in value) or len(set(value)) != len(value):
        problem(f"languages must list some of {', '.join(SUPPORTED_LANGUAGES)}, each once")
        return None
    return tuple(value)


def _packs(value: object, problem, relative_to: Path) -> tuple[Path, ...] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        problem("packs must be a list of policy pack files")
        return None
    paths = tuple(_path(v, "packs", problem, relative_to) for v in value)
    for text, path in zip(value, paths):
        if path is not None and not path.is_file():
            problem(f"policy pack '{text}' is not a file")
    return tuple(p for p in paths if p is not None)


def _bool(key: str):
    def read(value: object, problem, _relative_to: Path) -> bool | None:
        if not isinstance(value, bool):
            problem(f"{key} must be true or false")
            return None
        return value
    return read


def _idle(value: object, problem, _relative_to: Path) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_IDLE_S <= value <= MAX_IDLE_S:
        problem(f"idle_timeout_s must be a whole number of seconds from {MIN_IDLE_S} to {MAX_IDLE_S} "
                f"(it includes the {COUNTDOWN_S}-second countdown)")
        return None
    return value


def _pin_hash(value: object, problem, _relative_to: Path) -> str | None:
    reason = hash_problem(value)
    if reason is not None:
        problem(reason)
        return None
    return value


_READERS = {
    "organisation": lambda value, problem, _: _text(value, "organisation", problem),
    "logo": _logo,
    "help_contact": lambda value, problem, _: _text(value, "help_contact", problem),
    "languages": _languages,
    "packs": _packs,
    "default_pack": _bool("default_pack"),
    "idle_timeout_s": _idle,
    "keep_daily_counts": _bool("keep_daily_counts"),
    "state_folder": lambda value, problem, relative_to: _path(value, "state_folder", problem, relative_to),
    "pin_hash": _pin_hash,
}


def with_pin_hash(text: str, pin_hash: str) -> str:
    """The configuration's text with `pin_hash` set: the line replaced where it is, or added to the
    [kiosk] table (made when there is none); every other line stays as IT wrote it."""
    line = f'pin_hash = "{pin_hash}"'
    lines = text.splitlines()
    for index, existing in enumerate(lines):
        if re.match(r"\s*pin_hash\s*=", existing):
            lines[index] = line
            return "\n".join(lines) + "\n"
    for index, existing in enumerate(lines):
        if re.match(r"\s*\[kiosk\]\s*(#.*)?$", existing):
            lines.insert(index + 1, line)
            return "\n".join(lines) + "\n"
    return "\n".join([*lines, "", "[kiosk]", line]).lstrip("\n") + "\n"
