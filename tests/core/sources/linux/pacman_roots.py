"""Throwaway Arch Linux roots with a real pacman database: packages built as pacman builds them (a
tar with a .PKGINFO) and installed by the real pacman with --root, so desc and files are its own."""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest


def require_pacman() -> None:
    if shutil.which("pacman") is None:
        pytest.skip("pacman is not installed (Debian package pacman-package-manager); it writes the test databases")


def build_package(folder: Path, name: str, version: str, files: dict[str, bytes | str], packager: str = "Test Packager <t@example.org>",
                  description: str = "", provides: tuple[str, ...] = (), depends: tuple[str, ...] = ()) -> Path:
    """A package file: `files` maps a path to its bytes, or (a str) to the target of a link."""
    info = [f"pkgname = {name}", f"pkgbase = {name}", f"pkgver = {version}", f"pkgdesc = {description or name}",
            "builddate = 1700000000", f"packager = {packager}", "size = 1", "arch = x86_64", "license = custom"]
    info += [f"provides = {provided}" for provided in provides]
    info += [f"depend = {needed}" for needed in depends]
    path = folder / f"{name}-{version}-x86_64.pkg.tar.xz"
    with tarfile.open(path, "w:xz") as archive:
        _add(archive, ".PKGINFO", ("\n".join(info) + "\n").encode())
        folders = sorted({str(Path(file).parents[level]) for file in files for level in range(len(Path(file).parents) - 1)})
        for name_of_folder in folders:
            entry = tarfile.TarInfo(name_of_folder)
            entry.type, entry.mode = tarfile.DIRTYPE, 0o755
            archive.addfile(entry)
        for file, content in files.items():
            if isinstance(content, str):
                entry = tarfile.TarInfo(file)
                entry.type, entry.linkname = tarfile.SYMTYPE, content
                archive.addfile(entry)
            else:
                _add(archive, file, content)
    return path


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    entry = tarfile.TarInfo(name)
    entry.size, entry.mode = len(data), 0o755
    archive.addfile(entry, io.BytesIO(data))


def pacman_in(root: Path, *argv: str) -> subprocess.CompletedProcess:
    """pacman ARGV on `root` only: its own database there, no scriptlets, no hooks of this machine."""
    return subprocess.run(
        ["pacman", *argv, "--root", str(root), "--dbpath", str(root / "var/lib/pacman"), "--hookdir", str(root / "no-hooks"),
         "--noscriptlet", "--config", "/dev/null"],
        capture_output=True, text=True, timeout=120,
    )


def pacman_install(root: Path, *packages: Path) -> None:
    """pacman -U into `root` only: its own database there, no scriptlets, no hooks of this machine."""
    (root / "var/lib/pacman").mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["pacman", "-U", "--root", str(root), "--dbpath", str(root / "var/lib/pacman"), "--hookdir", str(root / "no-hooks"),
         "--noconfirm", "--nodeps", "--noscriptlet", "--config", "/dev/null", *map(str, packages)],
        capture_output=True, text=True, timeout=120,
    )
    if done.returncode:
        raise RuntimeError(f"pacman -U failed: {done.stderr}")
