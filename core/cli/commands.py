"""What each `appwarden` command does, on top of the core's public functions."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from appwarden.core.errors import AppWardenError, PolicyError, UsageError
from appwarden.core.files import write_text_atomically
from appwarden.core.i18n import Translator
from appwarden.core.messages import Message
from appwarden.core.policy.loader import collect_packs, default_pack_path, load_pack, load_policies, shipped_pack_paths
from appwarden.core.policy.model import THIS_DEVICE_CLASS, Enforcement, PolicyPack, PolicySet, Rule
from appwarden.core.reports.terminal import escape_controls, print_to_terminal
from appwarden.core.sources.base import COMPUTER_PLATFORMS, OS_NAMES

EXIT_COMPLIANT, EXIT_FOUND, EXIT_ERROR = 0, 1, 2


def run(args: argparse.Namespace, t: Translator) -> int:
    if args.command == "scan":
        return scan(args, t)
    if args.command == "explain":
        return explain(args, t)
    if args.command == "history":
        return history(args, t)
    if args.command == "kiosk":
        from appwarden.core.cli.kiosk import kiosk

        return kiosk(args, t)
    if args.command == "phones":
        from appwarden.core.cli.phones import phones

        return phones(args, t)
    if args.command == "remove":
        from appwarden.core.cli.removal import remove

        return remove(args, t)
    return {"list": policy_list, "show": policy_show, "check": policy_check, "export": policy_export}[args.policy_command](args, t)


def _policies(args: argparse.Namespace) -> PolicySet:
    return load_policies([Path(p) for p in args.policy], include_default=not args.no_default_policy)


def scan(args: argparse.Namespace, t: Translator) -> int:
    from appwarden.core.reports import render_report
    from appwarden.core.scan import run_scan
    from appwarden.core.target import make_target

    if args.from_osquery or args.from_reports:
        return fleet_scan(args, t)
    if args.write_into and (args.output or args.root or args.phone_capture or args.phone):
        raise UsageError(Message.of("--write-into checks this device and writes only into its file: "
                                    "it cannot be used with --output, --root, --phone or --phone-capture."))
    if args.phone_capture and (args.root or args.os or args.phone):
        raise UsageError(Message.of("--phone-capture checks what was captured from a phone: it cannot be used with --root, --os or --phone."))
    if args.phone and (args.root or args.os):
        raise UsageError(Message.of("--phone checks a phone connected to this computer: it cannot be used with --root or --os."))
    if args.connect and not args.phone:
        raise UsageError(Message.of("--connect says where to look for a phone: give --phone too (--phone auto for the only one)."))
    policies = _policies(args)
    session = None
    if args.phone_capture:
        from appwarden.core.target import capture_target

        target = capture_target(args.phone_capture, organisation_issued=not args.personal)
    elif args.phone:
        from appwarden.core.cli.phones import open_phone
        from appwarden.core.target import phone_target

        session = open_phone(args, t)
        target = phone_target(session, organisation_issued=not args.personal)
    else:
        target = make_target(args.root, args.os, organisation_issued=not args.personal)
    try:
        result = run_scan(target, policies)
    finally:
        if session is not None:
            session.close()
    if target.is_connected_phone and target.os == "ios":
        print(t("When you have finished, make the iPhone or iPad stop trusting this computer: appwarden phones --unpair {udid}",
                udid=session.serial), file=sys.stderr)
    report = render_report(result, args.format, t)
    if args.write_into:
        from appwarden.core.elevation import write_into_prepared_file

        write_into_prepared_file(Path(args.write_into), report)
    elif args.output:
        write_file(Path(args.output), report)
    else:
        sys.stdout.write(report)
    if not args.no_history:
        _in_history(lambda store: store.record_scan(result), t)
    if args.output:
        print(t("Report written to {path}.", path=args.output), file=sys.stderr)
    if result.target.live and result.scope.need_rights:
        from appwarden.core.elevation import how_an_administrator_checks

        print(how_an_administrator_checks(result.target.os).render(t), file=sys.stderr)
    failing = result.findings_at_least(Enforcement(args.fail_on))
    return EXIT_FOUND if failing else EXIT_COMPLIANT


def fleet_scan(args: argparse.Namespace, t: Translator) -> int:
    """A summary of many hosts from fleet data: osquery's results or AppWarden's own reports. One
    history entry for the whole import; exit 1 when any host has a finding."""
    from appwarden.core.fleet.summary import fleet_from_osquery, fleet_from_reports
    from appwarden.core.reports.fleet_report import render_fleet

    if args.from_osquery and args.from_reports:
        raise UsageError(Message.of("--from-osquery and --from-reports each summarise a fleet: give one of them."))
    others = [name for name, given in (("--root", args.root), ("--os", args.os), ("--phone", args.phone),
                                       ("--phone-capture", args.phone_capture), ("--write-into", args.write_into),
                                       ("--personal", args.personal)) if given]
    if others:
        raise UsageError(Message.of("A fleet summary reads its files only: it cannot be used with {options}.", options=", ".join(others)))
    policies = _policies(args)
    now = dt.datetime.now(dt.timezone.utc)
    if args.from_osquery:
        result = fleet_from_osquery([Path(p) for p in args.from_osquery], policies, now)
    else:
        result = fleet_from_reports([Path(p) for p in args.from_reports], policies, now)
    report = render_fleet(result, args.format, t)
    if args.output:
        write_file(Path(args.output), report)
        print(t("Report written to {path}.", path=args.output), file=sys.stderr)
    else:
        sys.stdout.write(report)
    if not args.no_history:
        _in_history(lambda store: store.record_fleet_import(result), t)
    return EXIT_FOUND if result.findings_at_least(Enforcement(args.fail_on)) else EXIT_COMPLIANT


def _in_history(record, t: Translator) -> None:
    """Record in the history; a history that cannot be written is a note, never the end of the command."""
    from appwarden.core.history import HistoryStore  # sqlite3 and the store: not for --no-history

    try:
        record(HistoryStore())
    except AppWardenError as error:
        print(t("Note: {message}", message=error.render(t)), file=sys.stderr)


def write_file(path: Path, text: str) -> None:
    """Write the report all or nothing: a half-written report never replaces a good one."""
    try:
        write_text_atomically(path, text)
    except OSError as error:
        raise UsageError(
            Message.of("Cannot write the report to {path}: {error}.", path=path, error=error.strerror or error)
        ) from None


def explain(args: argparse.Namespace, t: Translator) -> int:
    policies = _policies(args)
    rule = policies.rule(args.rule)
    if rule is None:
        known = ", ".join(r.id for r in policies.rules)
        raise UsageError(Message.of("No rule named '{rule}'. Known rules: {known}.", rule=args.rule, known=known))
    print_to_terminal(explanation(rule, policies, t))  # a pack's text may hold escape sequences
    return EXIT_COMPLIANT


def explanation(rule: Rule, policies: PolicySet, t: Translator) -> str:
    from appwarden.core.reports.wording import scope_sentence

    d = policies.directive(rule.directive_id)
    enforcement, extensions = policies.enforcement(d, THIS_DEVICE_CLASS, dt.datetime.now(dt.timezone.utc).date())
    lines = [
        f"{t.text(rule.name)} ({rule.vendor}) [{rule.id}]",
        "",
        scope_sentence(d, enforcement, extensions, t),
        "",
        t("Why is this prohibited?"),
        "  " + t.text(rule.rationale),
        "",
        t("Directive: {title}", title=t.text(d.title)),
        "  " + t("Issued by: {authority}", authority=t.text(d.authority)),
        "  " + t("Dated: {date}; in effect since {effective}", date=t.date(d.document_date), effective=t.date(d.effective)),
        "  " + t("Covers: {scope}", scope=t.text(d.scope.description)),
        "  " + t("Finding: {quote}", quote=t.text(d.finding)),
        "  " + t("Reference: {url}", url=t.text(d.url)),
    ]
    lines += ["", t("How to remove it:")]
    from appwarden.core.target import host_os

    here = host_os()  # this computer's platform first: it is the one the person is on
    for platform, guidance in sorted(rule.removal.items(), key=lambda item: item[0] != here):
        lines.append(f"  [{OS_NAMES.get(platform, platform)}]")
        lines += ["    " + line for line in t.text(guidance).splitlines()]
    return "\n".join(lines)


def history(args: argparse.Namespace, t: Translator) -> int:
    from appwarden.core.history import HistoryStore, step_result, step_title

    if args.code is not None:
        return history_of_code(args.code, t)
    listing = HistoryStore().listing(limit=max(1, args.limit))
    if not listing.scans:
        print(t("No check has been recorded yet."))
    for record in listing.scans:
        print(_check_line(record, t))
    steps = listing.removal_steps[-max(1, args.limit):]
    if steps:
        print()
        print(t("Removal actions:"))
    for action in steps:  # in sentences, as the window's history says them; the database keeps the codes
        done = t("{step}: {result}", step=step_title(action).render(t), result=step_result(action).render(t))
        line = f"  {action.recorded_at}  {action.rule}  {done}  {' '.join(action.argv)}"
        print(escape_controls(line.rstrip()))
    imports = HistoryStore().fleet_imports(limit=max(1, args.limit))
    if imports:
        print()
        print(t("Fleet imports:"))
    for record in imports:
        rules = ", ".join(f"{rule} {count}" for rule, count in sorted(record.rules))
        line = "  " + t("{when}  {origin}  {hosts}, {found}  {rules}  {files}", when=record.imported_at, origin=record.origin,
                        hosts=t.plural("{count} host", "{count} hosts", count=record.hosts),
                        found=t.plural("{count} with a prohibited app", "{count} with prohibited apps", count=record.hosts_with_findings),
                        rules=rules or "-", files=" ".join(record.files))
        print(escape_controls(line))
    for sentence in listing.skipped_sentences():
        print(sentence.render(t))
    return EXIT_COMPLIANT


def _check_line(record, t: Translator) -> str:
    """One recorded check: id, time, reference code, computer, system, folder, this device or not, result."""
    if record.rules:
        outcome = t("found: {rules}", rules=", ".join(record.rules))
    else:
        outcome = record.nothing_found().render(t)
    hostname, root = escape_controls(record.hostname or "-"), escape_controls(record.root)  # a disk wrote them
    if record.os not in COMPUTER_PLATFORMS:
        where = t("phone plugged in") if record.of_this_device else t("phone capture")
    else:
        where = t("this device") if record.of_this_device else t("mounted disk")
    return f"{record.id:>5}  {record.scanned_at}  {record.reference or '-'}  {hostname}  {record.os}  {root}  {where}  {outcome}"


def history_of_code(typed: str, t: Translator) -> int:
    """The recorded check with this reference code, and its report as the text report says it."""
    from appwarden.core.history import HistoryStore
    from appwarden.core.reports.json_reader import ReportFileError, received_from_history, with_packs_of_this_computer
    from appwarden.core.reports.reference import normalised_code
    from appwarden.core.reports.text_report import render_text

    code = normalised_code(typed)
    if code is None:
        raise UsageError(Message.of(
            "'{code}' is not a reference code: a code is AW and 8 letters and digits, such as AW-7R4K-92XC.", code=typed
        ))
    store = HistoryStore()
    records = store.with_reference(code)
    if not records:
        raise UsageError(Message.of("No check with the reference code {code} is recorded on this computer.", code=code))
    for record in records:
        print(_check_line(record, t))
        try:
            received = received_from_history(store.report(record.id))
        except ReportFileError as error:
            print(error.render(t))
            continue
        # The history keeps the English report; the shipped packs it cites speak the person's language.
        received = with_packs_of_this_computer(received, load_policies([], include_default=True))
        sys.stdout.write("\n" + render_text(received.result, t))
    return EXIT_COMPLIANT


def policy_list(args: argparse.Namespace, t: Translator) -> int:
    active = {p.path.resolve() for p in _policies(args).packs}
    paths = list(dict.fromkeys([*shipped_pack_paths(), *(Path(p) for p in args.policy)]))
    for path in paths:
        pack, problems = load_pack(path)
        mark = t("active") if path.resolve() in active else t("available")
        if pack is None:
            print_to_terminal(f"{path}: {t('broken')} ({len(problems)})")
            continue
        print_to_terminal(f"{pack.id}  {pack.version}  {t.text(pack.name)}  [{mark}]  {path}")
        for directive in pack.directives:
            print_to_terminal(f"    {directive.id}: {t.text(directive.title)} ({t.date(directive.effective)})")
        print_to_terminal("    " + t("rules: {rules}", rules=", ".join(r.id for r in pack.rules)))
    return EXIT_COMPLIANT


def policy_show(args: argparse.Namespace, t: Translator) -> int:
    pack = _find_pack(args.pack)
    policies = PolicySet.of((pack,) if pack.path == default_pack_path() else (load_pack(default_pack_path())[0], pack))
    print_to_terminal(f"{t.text(pack.name)} ({pack.id} {pack.version})  {pack.path}  sha256 {pack.sha256}")
    for rule in pack.rules:
        print()
        print_to_terminal(explanation(rule, policies, t))
        print_to_terminal("  " + t("Identifiers:"))
        for namespace, values in rule.identifiers.items():
            print_to_terminal(f"    {namespace}: {', '.join(values)}")
        if rule.versions is not None:
            print_to_terminal("  " + t("Versions: {versions}", versions=str(rule.versions)))
        if rule.leftovers:
            print_to_terminal("  " + t("Leftover locations:"))
            for platform, templates in rule.leftovers.items():
                print_to_terminal(f"    {platform}: {', '.join(templates)}")
    return EXIT_COMPLIANT


def _find_pack(wanted: str) -> PolicyPack:
    path = Path(wanted)
    if not path.exists():
        by_id = {}
        for shipped in shipped_pack_paths():
            pack, _ = load_pack(shipped)
            if pack is not None:
                by_id[pack.id] = shipped
        if wanted not in by_id:
            raise UsageError(
                Message.of(
                    "No policy pack file or shipped pack id '{wanted}'. Shipped packs: {packs}.",
                    wanted=wanted,
                    packs=", ".join(by_id),
                )
            )
        path = by_id[wanted]
    pack, problems = load_pack(path)
    if pack is None:
        raise PolicyError(problems)
    return pack


def policy_check(args: argparse.Namespace, t: Translator) -> int:
    paths = ([] if args.no_default_policy else [default_pack_path()]) + [Path(f) for f in args.files]
    packs, problems = collect_packs(paths)
    if problems:
        raise PolicyError(problems)
    for pack in packs:
        if pack.path != default_pack_path() or args.no_default_policy:
            print(t("{file}: valid ({directives}, {rules})", file=pack.path,
                    directives=t.plural("{count} directive", "{count} directives", count=len(pack.directives)),
                    rules=t.plural("{count} rule", "{count} rules", count=len(pack.rules))))
    return EXIT_COMPLIANT


def policy_export(args: argparse.Namespace, t: Translator) -> int:
    """The packs as a fleet engine's files, in a folder; what could not be expressed is said."""
    from appwarden.core.fleet.export import build_export, write_export

    export = build_export(args.format, _policies(args), t, dt.date.today())
    folder = Path(args.output or f"appwarden-{args.format}")
    for path in write_export(export, folder):
        print_to_terminal(t("Wrote {path}", path=path))
    counted = {
        "policies": lambda n: t.plural("{count} Fleet policy", "{count} Fleet policies", count=n),
        "reports": lambda n: t.plural("{count} Fleet report", "{count} Fleet reports", count=n),
        "queries": lambda n: t.plural("{count} osquery query", "{count} osquery queries", count=n),
        "android": lambda n: t.plural("{count} Android app id", "{count} Android app ids", count=n),
        "ios": lambda n: t.plural("{count} iPhone and iPad app id", "{count} iPhone and iPad app ids", count=n),
    }
    print(", ".join(counted[name](count) for name, count in export.counts))
    notes = list(export.notes)
    cut = notes.index("") + 1 if "" in notes else 0  # the first lines say what the export is: shown above
    print_to_terminal("\n".join(notes[cut:]).strip())
    return EXIT_COMPLIANT
