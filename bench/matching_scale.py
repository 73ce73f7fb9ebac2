"""How rule matching scales with inventory size and rule count, side by side with `grep -F -x`.

Everything is synthetic and built in memory: policy sets of 10, 100 and 1000 rules (each with six
identifiers across the deb, process, flatpak, macos_bundle_id, msix and msi_product_code
namespaces, display names trusted with a publisher, and a couple of look-alikes) and inventories
of 1k, 10k, 100k and 1M items (1-3 identifiers each, names and publishers, shaped like what the dpkg,
process, Flatpak, Windows and macOS sources yield). About 0.1 % of the items are planted to match
a rule; as many again are look-alikes that reach a rule by its display-name prefix and must be
excluded. The matches found are checked against the planted ones.

For each (items, rules) pair the time of `RuleIndex(policies)` plus `index.matches_among(items)`
over every item (as a check calls it) is measured 5 times and the median kept; the 5 rounds go over all pairs in turn, so a
slow spell of the machine does not land on one pair only. Within a sample, small cases are
repeated back to back (1k items: 20 passes, 10k: 2, 100k and 1M: 1; both tools alike) and the time
of one pass is reported. The reference is grep, timed in the same
run on the same pair: the items' identifiers and the rules' identifiers, normalized and written
one `namespace<TAB>value` per line, counted with `grep -F -x -c -f rules.txt items.txt`.
grep does only exact lines (no display names, look-alikes or versions) on input that is already
normalized, and its time includes starting a process, so it is a floor, not a twin.

    python bench/matching_scale.py                  # 1k, 10k, 100k, 1M items x 10, 100, 1000 rules
    python bench/matching_scale.py --quick          # 1k and 10k items only
    python bench/matching_scale.py --json matching.json
    python bench/matching_scale.py --against 1aaf0dc  # also the index as it was at a commit

With --against, the rule index as it was at a git commit of this checkout (its
core/matching/index.py and normalize.py, loaded from git) is timed on the target pair, in
the same rounds as today's, and the ratio today/then printed: what a change saved, on the
same machine in the same run.

No network is used; temporary files go to the system temp folder and are removed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from packaging.specifiers import SpecifierSet  # noqa: E402

from appwarden.core.i18n import LocalText  # noqa: E402
from appwarden.core.matching.index import RuleIndex  # noqa: E402
from appwarden.core.matching.normalize import normalize  # noqa: E402
from appwarden.core.policy.model import Directive, DisplayNameMatch, PolicyPack, PolicySet, Rule, Scope  # noqa: E402
from appwarden.core.sources.base import EvidenceKind, InventoryItem  # noqa: E402

ITEM_COUNTS = (1_000, 10_000, 100_000, 1_000_000)
QUICK_ITEM_COUNTS = (1_000, 10_000)
RULE_COUNTS = (10, 100, 1000)
REPEATS = 5
#: Small cases are repeated back to back inside one sample, so that every sample is at least
#: PASS_WORK items matched (or BUILD_WORK rules indexed) and a scheduler hiccup of a few
#: milliseconds cannot double a 4 ms figure. Reported times are per single pass.
PASS_WORK = 20_000
BUILD_WORK = 1000
PLANTED_EVERY = 1000  # one item in a thousand matches a rule (0.1 %)
TARGET_ITEMS, TARGET_RULES, TARGET_SECONDS = 1_000_000, 1000, 2.0  # issue 15
SEED = 20231030

# --- synthetic policies ---------------------------------------------------------------------

DIRECTIVE = Directive(
    id="bench-directive",
    authority=LocalText.of(en="Benchmark authority", fr="Autorité du banc d'essai"),
    title=LocalText.of(en="Benchmark directive", fr="Directive du banc d'essai"),
    document_date=dt.date(2023, 1, 1),
    effective=dt.date(2023, 1, 2),
    url=LocalText.of(en="https://example.org/directive"),
    finding=LocalText.of(en="present a risk", fr="présentent un risque"),
    scope=Scope(frozenset({"mobile"}), LocalText.of(en="Mobile devices", fr="Appareils mobiles")),
    pack_id="bench",
)


def vendor_word(number: int) -> str:
    return f"Vendor{number:04d}"


def rule_identifiers(number: int) -> dict[str, tuple[str, ...]]:
    vendor = vendor_word(number)
    return {
        "deb": (f"{vendor.lower()}-app",),
        "process": (f"{vendor.lower()}app", f"{vendor}App.exe"),
        "flatpak": (f"com.{vendor.lower()}.App",),
        "macos_bundle_id": (f"com.{vendor.lower()}.mac.app",),
        "msix": (f"{vendor}.App",),
    }


def make_rule(number: int) -> Rule:
    vendor = vendor_word(number)
    return Rule(
        id=f"rule-{number:04d}",
        name=LocalText.of(en=f"{vendor} App", fr=f"Appli {vendor}"),
        vendor=f"{vendor} Ltd",
        directive_id=DIRECTIVE.id,
        rationale=LocalText.of(en="Synthetic.", fr="Synthétique."),
        identifiers=rule_identifiers(number),
        display_names=DisplayNameMatch(
            names=(f"{vendor} App",),
            prefixes=(f"{vendor} App ",),
            publishers=(f"{vendor} Ltd",),
        ),
        lookalikes={"deb": (f"{vendor.lower()}-app-cleaner",), "display_names": (f"{vendor} App Helper",)},
        versions=SpecifierSet(">=2") if number % 10 == 0 else None,
        leftovers={},
        removal={},
        pack_id="bench",
    )


def make_policies(rule_count: int) -> PolicySet:
    pack = PolicyPack(
        id="bench",
        version="1",
        name=LocalText.of(en="Benchmark pack", fr="Paquet du banc d'essai"),
        path=Path("bench.toml"),
        sha256="0" * 64,
        directives=(DIRECTIVE,),
        rules=tuple(make_rule(number) for number in range(rule_count)),
    )
    return PolicySet.of((pack,))


# --- synthetic inventories ------------------------------------------------------------------

WORDS = ("lib", "gnome", "python3", "x11", "media", "office", "sync", "print", "audio", "net", "font", "code")
PUBLISHERS = ("Debian Developers <debian-devel@lists.debian.org>", "Microsoft Corporation", "Google LLC",
              "Mozilla", "The Document Foundation", "Canonical Ltd", "Adobe Inc.", "JetBrains s.r.o.")


def background_item(number: int, rng: random.Random) -> InventoryItem:
    """An ordinary item that matches no rule, in the shape of one of five sources."""
    word = f"{rng.choice(WORDS)}{number}"
    version = f"{rng.randint(0, 30)}.{rng.randint(0, 20)}.{rng.randint(0, 99)}-{rng.randint(1, 5)}"
    publisher = rng.choice(PUBLISHERS)
    shape = number % 5
    if shape == 0:
        return InventoryItem("dpkg", EvidenceKind.INSTALLED, (("deb", word),), word, publisher, version)
    if shape == 1:
        identifiers = (("process", word), ("executable", f"/usr/bin/{word}"))
        return InventoryItem("processes", EvidenceKind.RUNNING, identifiers, word)
    if shape == 2:
        identifiers = (("flatpak", f"org.{word}.App"),)
        return InventoryItem("flatpak", EvidenceKind.INSTALLED, identifiers, f"{word.title()} App", publisher, version)
    if shape == 3:
        guid = f"{{{rng.getrandbits(128):032X}}}"
        identifiers = (("windows_uninstall_key", guid), ("msi_product_code", guid), ("msix", f"{word}.App"))
        return InventoryItem("windows", EvidenceKind.INSTALLED, identifiers, f"{word.title()} Suite {number}",
                             publisher, version)
    identifiers = (("macos_bundle_id", f"com.{word}.app"), ("launchd_label", f"com.{word}.agent"))
    return InventoryItem("macos", EvidenceKind.INSTALLED, identifiers, f"{word.title()}", publisher, version)


def planted_item(number: int, rule_number: int) -> InventoryItem:
    """An item that matches rule `rule_number`, by an identifier or by display name and publisher."""
    vendor = vendor_word(rule_number)
    ids = rule_identifiers(rule_number)
    shape = number % 4
    if shape == 0:
        return InventoryItem("dpkg", EvidenceKind.INSTALLED, (("deb", ids["deb"][0]),), ids["deb"][0],
                             "Packager <p@example.org>", "3.1-1")
    if shape == 1:
        identifiers = (("process", ids["process"][1].upper()), ("executable", f"C:\\Apps\\{ids['process'][1]}"))
        return InventoryItem("processes", EvidenceKind.RUNNING, identifiers, ids["process"][1])
    if shape == 2:
        identifiers = (("msix", ids["msix"][0]),)
        return InventoryItem("windows", EvidenceKind.INSTALLED, identifiers, f"{vendor} App", f"{vendor} Ltd", "5.0")
    identifiers = (("windows_uninstall_key", f"{vendor}App_is1"),)  # matched by display name only
    return InventoryItem("windows", EvidenceKind.INSTALLED, identifiers, f"{vendor} App 12", f"{vendor} Ltd", "12.0")


def lookalike_item(rule_number: int) -> InventoryItem:
    """Reaches the rule through its display-name prefix, then must be excluded as a look-alike."""
    vendor = vendor_word(rule_number)
    identifiers = (("windows_uninstall_key", f"{vendor}Helper"),)
    return InventoryItem("windows", EvidenceKind.INSTALLED, identifiers, f"{vendor} App Helper", f"{vendor} Ltd", "1.0")


@dataclass(frozen=True)
class Inventory:
    items: tuple[InventoryItem, ...]
    planted: int


def make_background(item_count: int) -> list[InventoryItem]:
    """Items that match nothing; shared by the inventories of every rule count (less memory)."""
    rng = random.Random(SEED + item_count)
    return [background_item(number, rng) for number in range(item_count)]


def make_inventory(background: list[InventoryItem], rule_count: int) -> Inventory:
    """The background with 0.1 % of its items replaced by planted matches and as many look-alikes."""
    rng = random.Random(SEED + len(background) + rule_count)
    items, planted = list(background), 0
    for start in range(0, len(items), PLANTED_EVERY):
        if start + PLANTED_EVERY // 2 >= len(items):
            break
        items[start + PLANTED_EVERY // 4] = lookalike_item(rng.randrange(rule_count))
        items[start + PLANTED_EVERY // 2] = planted_item(planted, rng.randrange(rule_count))
        planted += 1
    return Inventory(tuple(items), planted)


# --- measuring ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """One (items, rules) combination, ready to time: the data and its grep files."""

    policies: PolicySet
    inventory: Inventory
    rules_file: Path
    items_file: Path

    @property
    def key(self) -> tuple[int, int]:
        return len(self.inventory.items), len(self.policies.rules)


@dataclass
class Samples:
    build_s: list[float] = field(default_factory=list)
    match_s: list[float] = field(default_factory=list)
    grep_s: list[float] = field(default_factory=list)
    matches: int = 0
    grep_count: int = 0


@dataclass
class PairResult:
    items: int
    rules: int
    build_ms: float
    match_ms: float
    total_ms: float
    us_per_item: float
    matches: int
    planted: int
    grep_ms: float
    grep_count: int
    appwarden_over_grep: float


def grep_lines(identifiers: Iterable[tuple[str, str]]) -> str:
    return "".join(f"{namespace}\t{normalize(value)}\n" for namespace, value in identifiers)


def write_grep_files(folder: Path, policies: PolicySet, items: tuple[InventoryItem, ...]) -> tuple[Path, Path]:
    rule_ids = ((ns, v) for rule in policies.rules for ns, values in rule.identifiers.items() for v in values)
    item_ids = (pair for item in items for pair in item.identifiers)
    folder.mkdir()
    rules_file, items_file = folder / "rules.txt", folder / "items.txt"
    rules_file.write_text(grep_lines(rule_ids), encoding="utf-8")
    items_file.write_text(grep_lines(item_ids), encoding="utf-8")
    return rules_file, items_file


def prepare_pairs(item_counts: tuple[int, ...], folder: Path) -> list[Pair]:
    policies = {rule_count: make_policies(rule_count) for rule_count in RULE_COUNTS}
    pairs = []
    for item_count in item_counts:
        background = make_background(item_count)
        for rule_count in RULE_COUNTS:
            inventory = make_inventory(background, rule_count)
            files = write_grep_files(folder / f"{item_count}x{rule_count}", policies[rule_count], inventory.items)
            pairs.append(Pair(policies[rule_count], inventory, *files))
    return pairs


def mean_seconds(action: Callable[[], object], calls: int) -> tuple[float, object]:
    """Seconds per call of `action` over `calls` back-to-back calls, and its last result."""
    started = time.perf_counter()
    for _ in range(calls):
        result = action()
    return (time.perf_counter() - started) / calls, result


def build_calls(rule_count: int) -> int:
    return max(1, BUILD_WORK // rule_count)


def pass_calls(item_count: int) -> int:
    return max(1, PASS_WORK // item_count)


def match_all(index: RuleIndex, items: tuple[InventoryItem, ...]) -> int:
    """How many matches among the items, matched as a check does (an index from before
    matches_among existed is called per item, as the check then did)."""
    if hasattr(index, "matches_among"):
        return len(index.matches_among(items)[0])
    return sum(len(index.matches(item)) for item in items)


def grep_count(argv: list[str], env: dict[str, str]) -> int:
    done = subprocess.run(argv, capture_output=True, text=True, env=env)
    if done.returncode not in (0, 1):  # 1 means no line matched
        sys.exit(f"grep failed: {done.stderr.strip()}")
    return int(done.stdout)


def time_appwarden(pair: Pair) -> tuple[float, float, int]:
    """Seconds to build the index, seconds for one pass over every item, and the matches found."""
    item_count, rule_count = pair.key
    build_s, index = mean_seconds(lambda: RuleIndex(pair.policies), build_calls(rule_count))
    match_s, found = mean_seconds(lambda: match_all(index, pair.inventory.items), pass_calls(item_count))
    return build_s, match_s, found


def time_grep(grep: str, pair: Pair) -> tuple[float, int]:
    """Seconds for one grep process over the pair's files (mean of as many passes as AppWarden)."""
    argv = [grep, "-F", "-x", "-c", "-f", str(pair.rules_file), str(pair.items_file)]
    env = dict(os.environ, LC_ALL="C")
    seconds, count = mean_seconds(lambda: grep_count(argv, env), pass_calls(pair.key[0]))
    return seconds, count


def measure(pairs: list[Pair], grep: str) -> dict[tuple[int, int], Samples]:
    """REPEATS rounds over every pair, AppWarden then grep, so a slow spell of the machine
    lands on all pairs and both tools alike instead of on one pair's five runs."""
    samples = {pair.key: Samples() for pair in pairs}
    for _ in range(REPEATS):
        for pair in pairs:
            sample = samples[pair.key]
            build_s, match_s, sample.matches = time_appwarden(pair)
            grep_s, sample.grep_count = time_grep(grep, pair)
            sample.build_s.append(build_s)
            sample.match_s.append(match_s)
            sample.grep_s.append(grep_s)
    return samples


def summarize(pair: Pair, sample: Samples) -> PairResult:
    item_count, rule_count = pair.key
    if sample.matches != pair.inventory.planted:
        sys.exit(f"{item_count} items x {rule_count} rules: {sample.matches} matches, "
                 f"{pair.inventory.planted} planted")
    total_ms = statistics.median(b + m for b, m in zip(sample.build_s, sample.match_s)) * 1e3
    match_ms = statistics.median(sample.match_s) * 1e3
    grep_ms = statistics.median(sample.grep_s) * 1e3
    return PairResult(
        items=item_count,
        rules=rule_count,
        build_ms=statistics.median(sample.build_s) * 1e3,
        match_ms=match_ms,
        total_ms=total_ms,
        us_per_item=match_ms / item_count * 1e3,
        matches=sample.matches,
        planted=pair.inventory.planted,
        grep_ms=grep_ms,
        grep_count=sample.grep_count,
        appwarden_over_grep=total_ms / grep_ms,
    )


# --- reporting ------------------------------------------------------------------------------


def print_table(results: list[PairResult]) -> None:
    header = (f"{'items':>7} {'rules':>5} {'build ms':>9} {'match ms':>9} {'total ms':>9} {'us/item':>8} "
              f"{'matches':>7} {'grep ms':>8} {'grep hits':>9} {'AW/grep':>8}")
    print(header)
    print("-" * len(header))
    for r in results:
        print(f"{r.items:>7} {r.rules:>5} {r.build_ms:>9.2f} {r.match_ms:>9.1f} {r.total_ms:>9.1f} "
              f"{r.us_per_item:>8.2f} {r.matches:>7} {r.grep_ms:>8.1f} {r.grep_count:>9} "
              f"{r.appwarden_over_grep:>7.1f}x")


def growth_in_items(results: list[PairResult], item_counts: tuple[int, ...]) -> dict[str, float]:
    """Match time at the most items over match time at the fewest, per rule count."""
    small, large = item_counts[0], item_counts[-1]
    by_pair = {(r.items, r.rules): r for r in results}
    return {str(rules): by_pair[(large, rules)].match_ms / by_pair[(small, rules)].match_ms for rules in RULE_COUNTS}


def growth_in_rules(results: list[PairResult], item_counts: tuple[int, ...]) -> dict[str, float]:
    """Per-item match time at the most rules over that at the fewest, per inventory size."""
    few, many = RULE_COUNTS[0], RULE_COUNTS[-1]
    by_pair = {(r.items, r.rules): r for r in results}
    return {str(n): by_pair[(n, many)].us_per_item / by_pair[(n, few)].us_per_item for n in item_counts}


def target_verdict(results: list[PairResult]) -> dict[str, object] | None:
    pair = next((r for r in results if (r.items, r.rules) == (TARGET_ITEMS, TARGET_RULES)), None)
    if pair is None:
        return None
    seconds = pair.total_ms / 1e3
    return {"measured_s": seconds, "target_at_most_s": TARGET_SECONDS, "result": "PASS" if seconds <= TARGET_SECONDS else "MISS"}


def print_summary(results: list[PairResult], item_counts: tuple[int, ...]) -> None:
    small, large = item_counts[0], item_counts[-1]
    print(f"\nlinear in items: match time at {large} items / at {small} items (expected ~{large // small}):")
    for rules, ratio in growth_in_items(results, item_counts).items():
        print(f"  {rules:>5} rules: {ratio:6.1f}")
    print(f"independent of rules: us/item at {RULE_COUNTS[-1]} rules / at {RULE_COUNTS[0]} rules (expected ~1):")
    for items, ratio in growth_in_rules(results, item_counts).items():
        print(f"  {items:>7} items: {ratio:6.2f}")
    verdict = target_verdict(results)
    label = f"target: {TARGET_ITEMS:,} items x {TARGET_RULES} rules (build + match) at most {TARGET_SECONDS:.0f} s"
    if verdict is None:
        print(f"\n{label}   not measured (--quick)")
    else:
        print(f"\n{label}   measured {verdict['measured_s']:.3f} s   {verdict['result']}")


def save_json(path: Path, results: list[PairResult], item_counts: tuple[int, ...]) -> None:
    data = {
        "benchmark": "matching_scale",
        "machine": {
            "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        },
        "repeats": REPEATS,
        "results": [asdict(r) for r in results],
        "growth_in_items": growth_in_items(results, item_counts),
        "growth_in_rules": growth_in_rules(results, item_counts),
        "target": target_verdict(results),
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(f"\nnumbers saved to {path}")


def index_at(commit: str, folder: Path) -> type:
    """RuleIndex as it was at `commit` (its index.py and normalize.py from git)."""
    import importlib.util

    project = Path(__file__).resolve().parent.parent
    for name in ("normalize", "index"):
        shown = subprocess.run(["git", "-C", str(project), "show", f"{commit}:core/matching/{name}.py"],
                               capture_output=True, text=True)
        if shown.returncode != 0:
            sys.exit(f"--against {commit}: {shown.stderr.strip()}")
        text = shown.stdout.replace("from appwarden.core.matching.normalize import", "from normalize_then import")
        (folder / f"{name}_then.py").write_text(text, encoding="utf-8")
    sys.path.insert(0, str(folder))
    spec = importlib.util.spec_from_file_location("index_then", folder / "index_then.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["index_then"] = module  # dataclasses looks its module up while it builds Match
    spec.loader.exec_module(module)
    return module.RuleIndex


def compare_with(commit: str, folder: Path) -> None:
    """Times the target pair with the index of `commit` and today's, interleaved, and prints both."""
    then_index = index_at(commit, folder)
    policies = make_policies(TARGET_RULES)
    inventory = make_inventory(make_background(TARGET_ITEMS), TARGET_RULES)
    seconds: dict[str, list[float]] = {"then": [], "now": []}
    for _ in range(REPEATS):
        for label, index_type in (("then", then_index), ("now", RuleIndex)):
            started = time.perf_counter()
            found = match_all(index_type(policies), inventory.items)
            seconds[label].append(time.perf_counter() - started)
            if found != inventory.planted:
                sys.exit(f"{label}: {found} matches, {inventory.planted} planted")
    then, now = statistics.median(seconds["then"]), statistics.median(seconds["now"])
    print(f"\n{TARGET_ITEMS:,} items x {TARGET_RULES} rules, build + match, median of {REPEATS}: "
          f"at {commit} {then:.3f} s, now {now:.3f} s, now/then {now / then:.2f}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="only 1k and 10k items (a fast check)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also save every number to FILE")
    parser.add_argument("--against", metavar="COMMIT", help="also time the index as it was at this git commit")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    grep = shutil.which("grep")
    if grep is None:
        sys.exit("the reference tool `grep` is not installed")
    item_counts = QUICK_ITEM_COUNTS if args.quick else ITEM_COUNTS
    print(f"median of {REPEATS} runs per pair; AW = AppWarden (build + match), grep = grep -F -x -c\n")
    with tempfile.TemporaryDirectory(prefix="appwarden-bench-") as folder:
        pairs = prepare_pairs(item_counts, Path(folder))
        samples = measure(pairs, grep)
    results = [summarize(pair, samples[pair.key]) for pair in pairs]
    print_table(results)
    print_summary(results, item_counts)
    if args.json:
        save_json(args.json, results, item_counts)
    if args.against:
        with tempfile.TemporaryDirectory(prefix="appwarden-bench-") as folder:
            compare_with(args.against, Path(folder))


if __name__ == "__main__":
    main()
