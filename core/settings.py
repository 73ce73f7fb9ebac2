"""The person's settings (extra policy packs, language, help-desk details), kept in a small TOML file
in the platformdirs user config folder. A damaged file is never fatal and never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from appwarden.core.errors import HOME_FOLDER_UNKNOWN, AppWardenError
from appwarden.core.files import write_text_atomically
from appwarden.core.i18n import SUPPORTED_LANGUAGES
from appwarden.core.messages import Message

SETTINGS_FILE = "settings.toml"
FOLLOW_THE_SYSTEM = ""
LANGUAGE_CHOICES = (FOLLOW_THE_SYSTEM, *SUPPORTED_LANGUAGES)
MAX_SETTINGS_BYTES = 256 * 1024


@dataclass(frozen=True)
class Settings:
    extra_policies: tuple[str, ...] = ()
    language: str = FOLLOW_THE_SYSTEM  # "" follows the system; otherwise one of SUPPORTED_LANGUAGES
    show_helpdesk_details: bool = False
    # Whether the organisation issued this computer, as the person answered in the window (asked once);
    # None until they have. The directives cover government-issued devices only.
    this_device_issued: bool | None = None


class SettingsError(AppWardenError):
    """The settings could not be saved."""


def default_settings_path() -> Path:
    """Raises _HomeFolderUnknown when this account has no usable home folder (HOME unset or relative)."""
    import platformdirs

    try:
        return platformdirs.user_config_path("appwarden", appauthor=False) / SETTINGS_FILE
    except RuntimeError as error:
        raise _HomeFolderUnknown(repr(error)) from None


class SettingsStore:
    def __init__(self, path: Path | None = None) -> None:
        if path is not None:
            self.path = Path(path)

    @cached_property
    def path(self) -> Path:
        """Where the settings are; looked up on first use, so a missing home folder is a sentence."""
        return default_settings_path()

    def load(self) -> tuple[Settings, Message | None]:
        """The saved settings, or the defaults and a sentence saying why the file was not used."""
        try:
            return _settings_from_toml(self._read_text()), None
        except FileNotFoundError:
            return Settings(), None
        except _HomeFolderUnknown:
            return Settings(), Message.of("The default settings apply, because {reason}.", reason=HOME_FOLDER_UNKNOWN)
        except _Unusable as problem:
            reason: Message | str = problem.reason
        except OSError as error:
            reason = error.strerror or str(error)
        return Settings(), Message.of(
            "The settings file {path} was not used ({reason}); the default settings apply. "
            "The file was left as it is.",
            path=self.path,
            reason=reason,
        )

    def save(self, settings: Settings) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomically(self.path, settings_to_toml(settings))
        except _HomeFolderUnknown as error:
            sentence = Message.of("The settings could not be saved, because {reason}.", reason=HOME_FOLDER_UNKNOWN)
            raise SettingsError(sentence, detail=str(error)) from None
        except UnicodeEncodeError as error:
            raise self._save_error(Message.of("a policy file name is not valid text"), error) from None
        except OSError as error:
            raise self._save_error(error.strerror or str(error), error) from None

    def _save_error(self, reason: Message | str, error: Exception) -> SettingsError:
        sentence = Message.of("The settings could not be saved to {path}: {reason}.", path=self.path, reason=reason)
        return SettingsError(sentence, detail=repr(error))

    def _read_text(self) -> str:
        with open(self.path, "rb") as stream:
            data = stream.read(MAX_SETTINGS_BYTES + 1)
        if len(data) > MAX_SETTINGS_BYTES:
            raise _Unusable(Message.of("too large to be a settings file"))
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise _Unusable(Message.of("not UTF-8 text")) from None


class _HomeFolderUnknown(Exception):
    """platformdirs cannot tell where this account's configuration folder is."""


class _Unusable(Exception):
    def __init__(self, reason: Message) -> None:
        super().__init__(reason.render())
        self.reason = reason


def _settings_from_toml(text: str) -> Settings:
    import tomllib  # only when there is a settings file (the window starts sooner without one)

    try:
        table = tomllib.loads(text)
    except (ValueError, RecursionError) as error:  # TOMLDecodeError is a ValueError
        raise _Unusable(Message.of("not valid TOML: {error}", error=error)) from None
    for key in table:
        if key not in _SETTING_CHECKS:
            raise _Unusable(Message.of("unknown setting '{key}'", key=key))
    for key, is_valid in _SETTING_CHECKS.items():
        if key in table and not is_valid(table[key]):
            raise _Unusable(Message.of("the value of '{key}' is not valid", key=key))
    defaults = Settings()
    return Settings(
        extra_policies=tuple(table.get("extra_policies", defaults.extra_policies)),
        language=table.get("language", defaults.language),
        show_helpdesk_details=table.get("show_helpdesk_details", defaults.show_helpdesk_details),
        this_device_issued=table.get("this_device_issued", defaults.this_device_issued),
    )


_SETTING_CHECKS = {
    "extra_policies": lambda value: isinstance(value, list) and all(isinstance(p, str) for p in value),
    "language": lambda value: value in LANGUAGE_CHOICES,
    "show_helpdesk_details": lambda value: isinstance(value, bool),
    "this_device_issued": lambda value: isinstance(value, bool),
}


def settings_to_toml(settings: Settings) -> str:
    policies = ", ".join(toml_string(p) for p in settings.extra_policies)
    return (
        "# AppWarden settings, written by the window.\n"
        f"extra_policies = [{policies}]\n"
        f"language = {toml_string(settings.language)}\n"
        f"show_helpdesk_details = {'true' if settings.show_helpdesk_details else 'false'}\n"
        + ("" if settings.this_device_issued is None else f"this_device_issued = {'true' if settings.this_device_issued else 'false'}\n")
    )


_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped, the rest as is."""
    return '"' + "".join(_toml_character(c) for c in text) + '"'


def _toml_character(character: str) -> str:
    if character in _TOML_ESCAPES:
        return _TOML_ESCAPES[character]
    if ord(character) < 0x20 or ord(character) == 0x7F:
        return f"\\u{ord(character):04X}"
    return character
