"""For random leftover templates and random trees of folders and links, a removal deletes nothing
outside the templates' intended folders: the entries the templates name, reached from their base
through real folders only, and what is really inside them."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from appwarden.core.removal.builder import Places, file_path
from appwarden.core.removal.deletion import protected_places
from appwarden.core.removal.executor import delete_path
from appwarden.core.sources.base import LINUX, CoverageLog, ScanTarget, display_path
from appwarden.core.sources.leftovers import existing_leftovers, longest_base, template_parts, template_problem

FOLDERS = (
    "home/ana/.xwechat/cache", "home/ana/Documents/xwechat_files", "home/ana/.config/wechat", "home/bob/.xwechat",
    "opt/wechat/bin", "opt/other", "etc/wechat", "var/opt/kaspersky", "root/.xwechat",
    "srv/data/xwechat_files", "srv/data/.xwechat", "srv/data/wechat", "srv/data/bin",  # below no base: never intended
)
FILES = ("home/ana/.xwechat/cache/a", "home/ana/Documents/xwechat_files/b", "home/ana/Documents/thesis",
         "home/bob/.xwechat/c", "opt/wechat/bin/wechat", "opt/other/e", "etc/passwd",
         "etc/wechat/f", "var/opt/kaspersky/g", "root/.xwechat/h", "srv/data/xwechat_files/s", "srv/data/.xwechat/s",
         "srv/data/wechat/s", "srv/data/bin/s")
LINK_PLACES = ("home/ana", "home/bob", "home/ana/Documents", "home/ana/.xwechat", "opt", "opt/wechat", "home/bob/.xwechat", "etc")
LINK_TARGETS = ("/srv/data", "/home/ana/Documents", "../../outside", "OUTSIDE", "/etc", "..", "/", "/home/ana",
                "/srv/data/xwechat_files", "/opt/other")
NAMES = (".xwechat", "Documents", "wechat", "xwechat_files", ".config", "cache", "bin", "kaspersky")
COMPONENTS = ("{home}", "opt", "etc", "var/opt", ".xwechat", "Documents", "xwechat_files", "wechat", "wech*", "*",
              ".config", "kaspersky", "cache", "bin", "passwd", "other")


def build_tree(root: Path, links: list[tuple[str, str, str]]) -> Path:
    disk = root / "disk"
    for folder in FOLDERS:
        (disk / folder).mkdir(parents=True, exist_ok=True)
    for file in FILES:
        (disk / file).write_text(file)
    for name in ("", "xwechat_files", ".xwechat", "wechat", "bin"):
        (root / "outside" / name).mkdir(parents=True, exist_ok=True)
        (root / "outside" / name / "secret").write_text("outside")
    for place, name, points_to in links:
        link = disk / place / name
        if not os.path.lexists(link) and link.parent.is_dir() and not link.parent.is_symlink():
            # Relative links, so that both the disk's view and the kernel's reach the same place.
            if points_to == "OUTSIDE":
                points_to = os.path.relpath(root / "outside", link.parent)
            elif points_to.startswith("/"):
                points_to = os.path.relpath(disk / points_to.lstrip("/"), link.parent)
            link.symlink_to(points_to)
    return disk


def every_entry(root: Path) -> set[Path]:
    """Every path in the tree as named, links listed but never followed."""
    found = set()
    for folder, folders, files in os.walk(root, followlinks=False):
        found.update(Path(folder) / name for name in folders + files)
    return found


def intended(disk: Path, template: str) -> set[Path]:
    """What the template may delete, computed independently: names matched component by
    component from its base, descending only through real folders (never a link)."""
    parts = template_parts(template)
    if parts[0] == "{home}":
        homes = [p for p in [*(disk / "home").iterdir(), disk / "root"] if p.is_dir() and not p.is_symlink()]
        starts, below = homes, parts[1:]
    else:
        fixed = len(longest_base(LINUX, parts))
        starts, below = [disk.joinpath(*parts[:fixed])], parts[fixed:]
    current = [s for s in starts if not any(Path(*s.parts[: i + 1]).is_symlink() for i in range(len(disk.parts), len(s.parts)))]
    for index, part in enumerate(below):
        last = index == len(below) - 1
        following = []
        for folder in current:
            if folder.is_symlink() or not folder.is_dir():
                continue
            following += [folder / name for name in sorted(os.listdir(folder)) if fnmatch.fnmatchcase(name, part)]
        current = following if last else [p for p in following if p.is_dir() and not p.is_symlink()]
    return set(current)


def inside_any(path: Path, places: set[Path]) -> bool:
    return any(path == place or (path.is_relative_to(place) and not place.is_symlink()) for place in places)


templates = st.lists(st.sampled_from(COMPONENTS), min_size=2, max_size=4).map("/".join)
links = st.lists(st.tuples(st.sampled_from(LINK_PLACES), st.sampled_from(NAMES), st.sampled_from(LINK_TARGETS)), max_size=5)


@settings(max_examples=80)
@given(st.lists(templates, min_size=1, max_size=3), links)
@example(["{home}/Documents/xwechat_files"], [("home/bob", "Documents", "/srv/data")])  # Mallory's link
@example(["{home}/.xwechat/cache"], [("home/bob", ".config", "/srv/data"), ("home/bob/.xwechat", "cache", "OUTSIDE")])
@example(["opt/wechat/bin"], [("opt", "wechat2", "/srv/data")])
def test_nothing_outside_the_intended_folders_is_ever_deleted(tmp_path_factory, chosen, planted):
    root = tmp_path_factory.mktemp("tree")
    disk = build_tree(root, planted)
    accepted = [t for t in chosen if template_problem(t, LINUX) is None]
    target = ScanTarget(disk, LINUX, live=True)  # deleted for real, inside the throwaway tree
    allowed = set().union(*(intended(disk, t) for t in accepted)) if accepted else set()
    before = every_entry(root)
    places = Places.of(target)
    protected = protected_places(target)
    for template in accepted:
        for leftover in existing_leftovers(target, template, CoverageLog("test", target)):
            path, refusal = file_path(target, display_path(target, leftover.path), leftover.path, places, leftover.base)
            if refusal is None:
                delete_path(path, protected)
    gone = before - every_entry(root)
    assert all(inside_any(path, allowed) for path in gone), sorted(map(str, gone - {p for p in gone if inside_any(p, allowed)}))
    assert (root / "outside/secret").read_text() == "outside"
    assert all(path.exists() for path in before if "srv" in path.parts or "outside" in path.parts)
    assert all((disk / home).is_dir() for home in ("home/ana", "home/bob", "root", "opt", "etc"))
