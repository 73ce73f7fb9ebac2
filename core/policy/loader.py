"""Loading and validating policy packs: every problem is reported with its file and rule id."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Iterable

from appwarden.core.assets import asset_path
from appwarden.core.digests import sha256 as sha256_of
from appwarden.core.errors import PolicyError
from appwarden.core.i18n import SUPPORTED_LANGUAGES, LocalText
from appwarden.core.messages import Message
from appwarden.core.policy.model import (
    DEVICE_CLASSES,
    Directive,
    DisplayNameMatch,
    PolicyPack,
    PolicySet,
    Rule,
    Scope,
    ScopeExtension,
    StepTiming,
    VendorStep,
)
from appwarden.core.sources.base import ALL_PLATFORMS, ANDROID, IDENTIFIER_NAMESPACES
from appwarden.core.sources.rooted_common import NotARegularFile, open_regular_file

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

SCHEMA_VERSIONS = (1, 2)
LATEST_SCHEMA = SCHEMA_VERSIONS[-1]
DEFAULT_PACK_FILE = "canada.toml"
MAX_PACK_BYTES = 4 * 1024 * 1024


def shipped_pack_paths() -> list[Path]:
    return sorted(asset_path("policies").glob("*.toml"))


def default_pack_path() -> Path:
    return asset_path("policies", DEFAULT_PACK_FILE)


@dataclass(frozen=True)
class PolicyProblem:
    file: str
    message: str
    rule_id: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}: rule '{self.rule_id}'" if self.rule_id else self.file
        return f"{where}: {self.message}"


class _Checker:
    """Reads one pack's parsed TOML, collecting problems instead of stopping at the first."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[PolicyProblem] = []
        self.rule_id: str | None = None
        self.schema = LATEST_SCHEMA
        self.schema_2_keys: list[str] = []  # what the pack uses that schema 1 does not have

    def needs_schema_2(self, what: str) -> None:
        if what not in self.schema_2_keys:
            self.schema_2_keys.append(what)

    def schema_2_problem(self) -> None:
        """One sentence for a schema-1 pack that uses schema-2 keys, however many it uses."""
        if self.schema == 1 and self.schema_2_keys:
            self.rule_id = None
            need, them = ("needs", "it") if len(self.schema_2_keys) == 1 else ("need", "them")
            self.problem(
                f"the pack says schema = 1 but uses {_and_list(self.schema_2_keys)}, which {need} schema = 2: "
                f"set schema = 2, or remove {them}"
            )

    def problem(self, message: str) -> None:
        self.problems.append(PolicyProblem(self.file, message, self.rule_id))

    def keys(self, table: dict, where: str, required: Iterable[str], optional: Iterable[str] = ()) -> None:
        allowed = set(required) | set(optional)
        for key in table:
            if key not in allowed:
                self.problem(f"unknown key '{key}' in {where}")
        for key in required:
            if key not in table:
                self.problem(f"missing '{key}' in {where}")

    def table(self, value: Any, where: str) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(f"{where} must be a table")
            return {}
        return value

    def text(self, value: Any, where: str) -> LocalText:
        if value is None:
            return LocalText.of(en="")
        if not isinstance(value, dict):
            self.problem(f"{where} must be a table of languages ({', '.join(SUPPORTED_LANGUAGES)})")
            return LocalText.of(en=str(value))
        for lang in value:
            if lang not in SUPPORTED_LANGUAGES:
                self.problem(f"unknown language '{lang}' in {where}")
        for lang in SUPPORTED_LANGUAGES:
            if not isinstance(value.get(lang), str) or not value.get(lang, "").strip():
                self.problem(f"{where} needs a text in '{lang}'")
        return LocalText(MappingProxyType({k: v for k, v in value.items() if isinstance(v, str)}))

    def string(self, value: Any, where: str) -> str:
        if value is None:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problem(f"{where} must be a non-empty string")
            return ""
        return value

    def strings(self, value: Any, where: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.problem(f"{where} must be a list of non-empty strings")
            return ()
        return tuple(value)

    def date(self, value: Any, where: str) -> dt.date:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if value is not None:
            self.problem(f"{where} must be a date (YYYY-MM-DD)")
        return dt.date.min

    def device_classes(self, value: Any, where: str) -> frozenset[str]:
        classes = self.strings(value, where)
        for device_class in classes:
            if device_class not in DEVICE_CLASSES:
                self.problem(f"unknown device class '{device_class}' in {where} (known: {', '.join(DEVICE_CLASSES)})")
        if value is not None and not classes:
            self.problem(f"{where} must name at least one device class")
        return frozenset(classes)


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def load_pack(path: Path, use_compiled: bool = True) -> tuple[PolicyPack | None, list[PolicyProblem | Message]]:
    """One pack and its own problems (references to other packs are checked by load_policies); a problem
    a person can meet without writing a pack (an empty file) is a translated Message.

    A file with the bytes of a shipped pack is built from its compiled form (core/policy/compiler.py),
    which is what parsing and validating it gives, 20 ms sooner."""
    file = str(path)
    try:
        raw = _pack_bytes(path)
    except NotARegularFile:
        return None, [PolicyProblem(file, "not a regular file (a pack is a .toml file); not read")]
    except OSError as error:
        return None, [PolicyProblem(file, f"cannot read the file: {error.strerror or error}")]
    if len(raw) > MAX_PACK_BYTES:
        return None, [PolicyProblem(file, f"the file is larger than {MAX_PACK_BYTES} bytes")]
    sha256 = sha256_of(raw).hexdigest()
    if use_compiled and (build := _compiled_pack(sha256)) is not None:
        return replace(build(path, sha256), shipped=_is_shipped(path)), []
    import tomllib  # 3 ms, for a pack that is not compiled

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        return None, [PolicyProblem(file, f"the file is not UTF-8 text (byte {error.start})")]
    except tomllib.TOMLDecodeError as error:
        return None, [PolicyProblem(file, f"not valid TOML: {error}")]
    except RecursionError:
        return None, [PolicyProblem(file, "the pack is nested too deeply to read (arrays or tables inside each other)")]
    if not data:  # one sentence in the person's language, not the list of every key it lacks
        return None, [Message.of("{file} is empty: a policy pack needs a schema key and a [pack] table with id, version and name.", file=file)]
    checker = _Checker(file)
    pack = _read_pack(checker, data, path, sha256)
    if pack is not None and not checker.problems:
        pack = replace(pack, shipped=_is_shipped(path))
    return (pack if not checker.problems else None), checker.problems


def _compiled_pack(sha256: str) -> Callable[[Path, str], PolicyPack] | None:
    """What builds the shipped pack whose file has this sha256, if any."""
    try:
        from appwarden.core.policy.compiled_packs import BY_SHA256
    except ImportError:  # not generated (a source tree mid-change): every pack is parsed
        return None
    return BY_SHA256.get(sha256)


def _pack_bytes(path: Path) -> bytes:
    """The file's bytes (at most one more than the limit); a FIFO or a device is never read."""
    fd = open_regular_file(path.parent, path, live=True)
    with open(fd, "rb") as handle:
        return handle.read(MAX_PACK_BYTES + 1)


def _is_shipped(path: Path) -> bool:
    """One of the packs in assets/policies (the file itself, whatever link led to it)."""
    try:
        resolved = path.resolve()
        return any(resolved == shipped.resolve() for shipped in shipped_pack_paths())
    except OSError:
        return False


def _read_pack(c: _Checker, data: dict, path: Path, sha256: str) -> PolicyPack:
    c.keys(data, "the file", ("schema", "pack"), ("directives", "rules", "scope_extensions"))
    if "schema" in data:
        if type(data["schema"]) is int and data["schema"] in SCHEMA_VERSIONS:
            c.schema = data["schema"]
        else:
            c.problem("schema must be 1 or 2 (this AppWarden reads schemas 1 and 2)")
    header = c.table(data.get("pack"), "[pack]")
    c.keys(header, "[pack]", ("id", "version", "name"), ("description",))
    pack_id = c.string(header.get("id"), "pack id")
    pack_name = c.text(header.get("name"), "pack name")
    c.text(header.get("description"), "pack description") if "description" in header else None
    directives = tuple(_read_directive(c, d, pack_id) for d in _array(c, data.get("directives"), "directives"))
    rules = tuple(_read_rule(c, r, pack_id) for r in _array(c, data.get("rules"), "rules"))
    extensions = tuple(
        _read_extension(c, e, pack_id, pack_name) for e in _array(c, data.get("scope_extensions"), "scope_extensions")
    )
    c.schema_2_problem()
    return PolicyPack(
        id=pack_id,
        version=c.string(header.get("version"), "pack version"),
        name=pack_name,
        path=path,
        sha256=sha256,
        directives=directives,
        rules=rules,
        scope_extensions=extensions,
        schema=c.schema,
    )


def _array(c: _Checker, value: Any, where: str) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        c.problem(f"{where} must be an array of tables ([[{where}]])")
        return []
    return value


def _read_directive(c: _Checker, d: dict, pack_id: str) -> Directive:
    c.rule_id = None
    directive_id = c.string(d.get("id"), "directive id")
    where = f"directive '{directive_id}'"
    c.keys(d, where, ("id", "authority", "title", "document_date", "effective", "url", "finding", "scope"))
    url = _url(c, d.get("url"), where)
    scope = c.table(d.get("scope"), f"{where} scope")
    c.keys(scope, f"{where} scope", ("device_classes", "description"))
    return Directive(
        id=directive_id,
        authority=c.text(d.get("authority"), f"{where} authority"),
        title=c.text(d.get("title"), f"{where} title"),
        document_date=c.date(d.get("document_date"), f"{where} document_date"),
        effective=c.date(d.get("effective"), f"{where} effective"),
        url=url,
        finding=c.text(d.get("finding"), f"{where} finding"),
        scope=Scope(
            c.device_classes(scope.get("device_classes"), f"{where} scope device_classes"),
            c.text(scope.get("description"), f"{where} scope description"),
        ),
        pack_id=pack_id,
    )


def _url(c: _Checker, value: Any, where: str) -> LocalText:
    """One page for every language (a string), or, from schema 2, one page per language."""
    if isinstance(value, dict):
        c.needs_schema_2("a url per language")
        url = c.text(value, f"{where} url")
    else:
        url = LocalText.of(en=c.string(value, f"{where} url"))
    for lang, page in url.texts.items():
        if page and not page.startswith("https://"):
            c.problem(f"{where} url must start with https://" if len(url.texts) == 1 else f"{where} url in '{lang}' must start with https://")
    return url


def _read_extension(c: _Checker, e: dict, pack_id: str, pack_name: LocalText) -> ScopeExtension:
    c.rule_id = None
    c.keys(e, "a scope extension", ("directive", "device_classes", "reason"))
    return ScopeExtension(
        directive_id=c.string(e.get("directive"), "scope extension directive"),
        device_classes=c.device_classes(e.get("device_classes"), "scope extension device_classes"),
        reason=c.text(e.get("reason"), "scope extension reason"),
        pack_id=pack_id,
        pack_name=pack_name,
    )


RULE_REQUIRED = ("id", "name", "vendor", "directive", "rationale", "identifiers", "removal")
RULE_OPTIONAL = ("display_names", "lookalikes", "versions", "leftovers", "removal_steps", "vendor_uninstaller")
# Keys a removal step could use to make AppWarden run something; a pack only ever explains.
COMMAND_KEYS = ("command", "commands", "argv", "run", "script", "exec")


def _read_rule(c: _Checker, r: dict, pack_id: str) -> Rule:
    c.rule_id = r.get("id") if isinstance(r.get("id"), str) else "?"
    if not isinstance(r.get("id"), str) or not r.get("id"):
        c.problem("a rule has no id")
    if "directive" not in r:
        c.problem("the rule cites no directive (add directive = \"<directive id>\")")
    c.keys({k: v for k, v in r.items() if k != "directive"}, "the rule", [k for k in RULE_REQUIRED if k != "directive"], RULE_OPTIONAL)
    rule = Rule(
        id=c.rule_id,
        name=c.text(r.get("name"), "name"),
        vendor=c.string(r.get("vendor"), "vendor"),
        directive_id=c.string(r.get("directive"), "directive"),
        rationale=c.text(r.get("rationale"), "rationale"),
        identifiers=_identifier_table(c, r.get("identifiers"), "identifiers"),
        display_names=_display_names(c, r.get("display_names")),
        lookalikes=_lookalikes(c, r.get("lookalikes")),
        versions=_specifiers(c, r.get("versions")),
        leftovers=_per_platform(c, r.get("leftovers"), "leftovers", c.strings),
        removal=_per_platform(c, r.get("removal"), "removal", c.text),
        pack_id=pack_id,
        removal_steps=tuple(_vendor_step(c, s) for s in _array(c, r.get("removal_steps"), "rules.removal_steps")),
        vendor_uninstaller=_vendor_uninstaller(c, r.get("vendor_uninstaller")),
    )
    for namespace, values in rule.lookalikes.items():
        clash = set(map(str.casefold, values)) & set(map(str.casefold, rule.identifiers.get(namespace, ())))
        if clash:
            c.problem(f"{namespace} '{sorted(clash)[0]}' is both an identifier and a look-alike")
    # Validation's own helpers, imported only for a pack that is not compiled.
    from appwarden.core.sources.android.storage import package_folder
    from appwarden.core.sources.leftovers import template_problem

    for platform, templates in rule.leftovers.items():
        for template in templates:
            problem = template_problem(template, platform)
            if problem is not None:
                c.problem(problem)
            elif platform == ANDROID and (package := package_folder(template)) is not None \
                    and package not in rule.identifiers.get("android_package", ()):
                c.problem(f"Android leftover location '{template}' is the folder of {package}, which is not one of the rule's android_package identifiers")
    for step in rule.removal_steps:
        for template in step.about_leftovers:
            if template not in rule.leftovers.get(step.platform, ()):
                c.problem(f"removal step 'about_leftovers' names '{template}', which is not one of the rule's {step.platform} leftovers")
    c.rule_id = None
    return rule


def _vendor_step(c: _Checker, step: dict) -> VendorStep:
    for key in COMMAND_KEYS:
        if key in step:
            c.problem(f"removal step has '{key}': a pack cannot ask AppWarden to run a command; describe the step for the person instead")
    c.keys({k: v for k, v in step.items() if k not in COMMAND_KEYS}, "a removal step", ("platform", "title", "explanation"), ("when", "about_leftovers"))
    platform = c.string(step.get("platform"), "removal step platform")
    if platform and platform not in ALL_PLATFORMS:
        c.problem(f"unknown platform '{platform}' in a removal step (known: {', '.join(sorted(ALL_PLATFORMS))})")
    return VendorStep(
        platform=platform,
        title=c.text(step.get("title"), "removal step title"),
        explanation=c.text(step.get("explanation"), "removal step explanation"),
        when=_step_timing(c, step.get("when")),
        about_leftovers=_about_leftovers(c, step.get("about_leftovers")),
    )


def _about_leftovers(c: _Checker, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    c.needs_schema_2("'about_leftovers' in a removal step")
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        c.problem("removal step 'about_leftovers' must be a list of the rule's leftover locations")
        return ()
    return tuple(value)


def _step_timing(c: _Checker, value: Any) -> StepTiming:
    if value is None:
        return StepTiming.AFTER_UNINSTALL
    c.needs_schema_2("'when' in a removal step")
    known = [timing.value for timing in StepTiming]
    if value not in known:
        c.problem(f"removal step 'when' must be {' or '.join(repr(k) for k in known)}, not {value!r}")
        return StepTiming.AFTER_UNINSTALL
    return StepTiming(value)


def _vendor_uninstaller(c: _Checker, value: Any) -> MappingProxyType:
    if value is None:
        return MappingProxyType({})
    c.needs_schema_2("vendor_uninstaller")
    return _per_platform(c, value, "vendor_uninstaller", c.text)


def _identifier_table(c: _Checker, value: Any, where: str, extra: tuple[str, ...] = ()) -> MappingProxyType:
    from appwarden.core.sources.android.parsed import PACKAGE_NAME
    from appwarden.core.sources.ios import BUNDLE_ID
    from appwarden.core.sources.windows.key_paths import parse_key_path

    table = c.table(value, where)
    result = {}
    for namespace, values in table.items():
        if namespace not in IDENTIFIER_NAMESPACES and namespace not in extra:
            c.problem(f"unknown identifier kind '{namespace}' in {where} (known: {', '.join(IDENTIFIER_NAMESPACES)})")
            continue
        result[namespace] = c.strings(values, f"{where}.{namespace}")
        for value in result[namespace]:
            if value.lstrip().startswith("-"):
                # Identifiers become arguments of package-manager commands during removal.
                c.problem(f"{where}.{namespace} '{value}' must not start with '-'")
            elif namespace == "windows_registry_key" and parse_key_path(value) is None:
                c.problem(
                    f"{where}.windows_registry_key '{value}' must be one exact key path starting with HKLM\\SOFTWARE\\ "
                    "or HKCU\\ (each user's), with no empty part and no wildcard"
                )
            elif namespace == "ios_bundle_id" and not BUNDLE_ID.fullmatch(value):
                c.problem(f"{where}.ios_bundle_id '{value}' must be one exact bundle id such as com.tencent.xin, never a prefix or a wildcard")
            elif namespace == "android_package" and not PACKAGE_NAME.fullmatch(value):
                # Exact names only: com.tencent.* would flag Tencent's fingerprint service that many
                # phones ship, and com.kaspersky.* is also Kaspresso's test namespace.
                c.problem(
                    f"{where}.android_package '{value}' must be one exact package name such as com.tencent.mm "
                    "(letters, digits and _ in two or more parts joined by dots), never a prefix or a wildcard"
                )
    return MappingProxyType(result)


def _display_names(c: _Checker, value: Any) -> DisplayNameMatch:
    table = c.table(value, "display_names")
    c.keys(table, "display_names", (), ("names", "prefixes", "publishers"))
    match = DisplayNameMatch(
        names=c.strings(table.get("names"), "display_names.names"),
        prefixes=c.strings(table.get("prefixes"), "display_names.prefixes"),
        publishers=c.strings(table.get("publishers"), "display_names.publishers"),
    )
    if (match.names or match.prefixes) and not match.publishers:
        c.problem("display_names needs publishers: a name alone is not trusted")
    return match


def _lookalikes(c: _Checker, value: Any) -> MappingProxyType:
    return _identifier_table(c, value, "lookalikes", extra=("display_names",))


def _specifiers(c: _Checker, value: Any) -> SpecifierSet | None:
    if value is None:
        return None
    if not isinstance(value, str):
        c.problem("versions must be a string of PEP 440 specifiers, like \">=3.0, <4\"")
        return None
    from packaging.specifiers import InvalidSpecifier, SpecifierSet  # only a rule with versions needs it

    try:
        return SpecifierSet(value)
    except InvalidSpecifier:
        c.problem(f"versions '{value}' is not a valid PEP 440 specifier (example: \">=3.0, <4\")")
        return None


def _per_platform(c: _Checker, value: Any, where: str, read: Callable[[Any, str], Any]) -> MappingProxyType:
    table = c.table(value, where)
    result = {}
    for platform, entry in table.items():
        if platform not in ALL_PLATFORMS:
            c.problem(f"unknown platform '{platform}' in {where} (known: {', '.join(sorted(ALL_PLATFORMS))})")
            continue
        result[platform] = read(entry, f"{where}.{platform}")
    return MappingProxyType(result)


def check_together(packs: list[PolicyPack]) -> list[PolicyProblem]:
    """Problems that only show across packs: duplicate ids, citations of unknown directives."""
    problems: list[PolicyProblem] = []
    seen_packs: dict[str, Path] = {}
    seen_directives: dict[str, Path] = {}
    seen_rules: dict[str, Path] = {}
    for pack in packs:
        file = str(pack.path)
        if pack.id in seen_packs:
            problems.append(PolicyProblem(file, f"pack id '{pack.id}' is also used by {seen_packs[pack.id]}"))
        seen_packs.setdefault(pack.id, pack.path)
        for directive in pack.directives:
            if directive.id in seen_directives:
                problems.append(PolicyProblem(file, f"directive id '{directive.id}' is defined twice (also in {seen_directives[directive.id]})"))
            seen_directives.setdefault(directive.id, pack.path)
        for rule in pack.rules:
            if rule.id in seen_rules:
                problems.append(PolicyProblem(file, f"duplicate rule id (also in {seen_rules[rule.id]})", rule.id))
            seen_rules.setdefault(rule.id, pack.path)
    for pack in packs:
        for rule in pack.rules:
            if rule.directive_id and rule.directive_id not in seen_directives:
                problems.append(PolicyProblem(str(pack.path), f"cites unknown directive '{rule.directive_id}'", rule.id))
        for extension in pack.scope_extensions:
            if extension.directive_id not in seen_directives:
                problems.append(PolicyProblem(str(pack.path), f"scope extension names unknown directive '{extension.directive_id}'"))
    return problems


def collect_packs(paths: Iterable[Path]) -> tuple[list[PolicyPack], list[PolicyProblem]]:
    """Every pack that loads, and every problem of every pack (cross-pack ones once all loaded)."""
    packs, problems = [], []
    for path in dict.fromkeys(Path(p) for p in paths):
        pack, pack_problems = load_pack(path)
        problems += pack_problems
        if pack is not None:
            packs.append(pack)
    if not problems:
        problems += check_together(packs)
    return packs, problems


def load_policies(extra: Iterable[Path] = (), include_default: bool = True) -> PolicySet:
    """The packs in force; raises PolicyError listing every problem in every pack."""
    paths = ([default_pack_path()] if include_default else []) + [Path(p) for p in extra]
    if not paths:
        raise PolicyError([Message.of("No policy pack is loaded: with --no-default-policy, name at least one pack with --policy FILE.")])
    packs, problems = collect_packs(paths)
    if problems:
        raise PolicyError(problems)
    return PolicySet.of(tuple(packs))
