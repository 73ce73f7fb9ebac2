"""RPM packages, read with the system's own `rpm` tool from the target's database.

The database formats (Berkeley DB, SQLite, NDB) are rpm's business; the tool reads all of them,
also under --root for a mounted disk.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from appwarden.core.messages import Message
from appwarden.core.sources.base import (
    LINUX,
    CoverageLog,
    EvidenceKind,
    InventoryItem,
    InventorySource,
    ReadRequest,
    ScanTarget,
    SourceResult,
    SourceSpec,
)

if TYPE_CHECKING:
    import subprocess

# Newer distributions keep the database in /usr (with /var/lib/rpm a link to it), older in /var.
DATABASE_FOLDERS = ("usr/lib/sysimage/rpm", "var/lib/rpm")
QUERY_FORMAT = r"%{NAME}\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\t%{VENDOR}\t%{ARCH}\n"
TIMEOUT_SECONDS = 60
COPY_BLOCK = 1 << 20
MAX_DATABASE_BYTES = 4 << 30
NONE = "(none)"  # what rpm prints for a tag the package does not have
# Pseudo-packages that hold the signing keys rpm trusts; they are not software.
KEY_PACKAGES = frozenset({"gpg-pubkey"})


@dataclass(frozen=True)
class RpmPackage:
    name: str
    version: str
    vendor: str
    arch: str


def parse_rpm_query(text: str) -> tuple[list[RpmPackage], int]:
    """Packages from the output of `rpm -qa --qf QUERY_FORMAT`, and how many lines made no sense."""
    packages: list[RpmPackage] = []
    malformed = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        package = _query_line(line)
        if package is None:
            malformed += 1
        elif package.name not in KEY_PACKAGES:
            packages.append(package)
    return packages, malformed


def _query_line(line: str) -> RpmPackage | None:
    fields = [field.strip() for field in line.split("\t")]
    if len(fields) != 4:
        return None
    name, epoch_version, vendor, arch = fields
    epoch, colon, version = epoch_version.partition(":")
    if not name or " " in name or not colon or not version:
        return None
    # Epoch 0 is every package's default; a real epoch matters when versions are compared.
    shown_version = version if epoch in ("0", "") else epoch_version
    return RpmPackage(name, shown_version, "" if vendor == NONE else vendor, "" if arch == NONE else arch)


class RpmPackages(InventorySource):
    spec = SourceSpec(
        name="rpm",
        title="RPM packages",
        platforms=frozenset({LINUX}),
        reads=tuple(f"{folder} (with the rpm tool)" for folder in DATABASE_FOLDERS),
        yields=("rpm",),
        kind=EvidenceKind.INSTALLED,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        target = request.target
        log = CoverageLog(self.spec.name, target)
        database = _database_folder(target, log)
        if database is None:
            return log.result([], Message.of("no RPM database"))
        import shutil  # shutil, subprocess and tempfile only where there is a database: 4 ms otherwise

        tool = shutil.which("rpm")
        if tool is None:
            log.problem(f"/{database}", Message.of("the rpm tool is not installed, so the RPM database cannot be read"))
            return log.result([])
        output = _query(tool, target, database, log)
        packages, malformed = parse_rpm_query(output)
        if malformed:
            reason = Message.plural("{count} line of rpm's answer could not be understood", "{count} lines of rpm's answer could not be understood", count=malformed)
            log.problem(f"/{database}", reason)
        return log.result([_package_item(package, database) for package in packages])


def _database_folder(target: ScanTarget, log: CoverageLog) -> str | None:
    """The first database folder (relative to the root) that holds files; an empty one is none."""
    for relative in DATABASE_FOLDERS:
        folder = target.path(relative)
        try:
            if any(_is_regular(target, folder / name) for name in target.names_in(folder)):
                return relative
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as error:
            log.os_problem(folder, error)
    return None


def _query(tool: str, target: ScanTarget, database: str, log: CoverageLog) -> str:
    """rpm's answer (what it printed, even when it failed part way); failures are problems.

    rpm writes lock files into the database it reads (and tries to repair a damaged one), so a
    mounted disk's database is copied to a temporary folder first: AppWarden changes nothing there.
    """
    import tempfile

    if target.live:
        return _run_rpm(tool, target.root, f"/{database}", database, log)
    with tempfile.TemporaryDirectory(prefix="appwarden-rpmdb-") as scratch:
        try:
            _copy_database(target, target.path(database), Path(scratch, "rpmdb"))
        except OSError as error:
            log.problem(f"/{database}", Message.of("cannot read: {error}", error=error.strerror or error))
            return ""
        return _run_rpm(tool, Path(scratch), "/rpmdb", database, log)


def _is_regular(target: ScanTarget, path: Path) -> bool:
    try:
        return stat.S_ISREG(target.stat(path, follow=False).st_mode)
    except OSError:
        return False


def _copy_database(target: ScanTarget, folder: Path, destination: Path) -> None:
    """The database's regular files, read through the target (links resolved inside the disk,
    FIFOs and devices never opened); a database is one flat folder, so nothing else is needed."""
    destination.mkdir()
    copied = 0
    for name in target.names_in(folder):
        if not _is_regular(target, folder / name):
            continue
        with open(target.open_file(folder / name), "rb") as source, open(destination / name, "wb") as copy:
            while block := source.read(COPY_BLOCK):
                copied += len(block)
                if copied > MAX_DATABASE_BYTES:
                    raise OSError(0, f"the database is larger than {MAX_DATABASE_BYTES} bytes")
                copy.write(block)


def _run_rpm(tool: str, root: Path, dbpath: str, database: str, log: CoverageLog) -> str:
    # --dbpath is taken inside --root by rpm itself.
    import subprocess

    command = [tool, "--root", str(root), "--dbpath", dbpath, "-qa", "--qf", QUERY_FORMAT]
    try:
        completed = subprocess.run(
            command, shell=False, timeout=TIMEOUT_SECONDS, capture_output=True, env=dict(os.environ, LC_ALL="C")
        )
    except subprocess.TimeoutExpired as timeout:
        reason = Message.plural("the rpm tool gave no answer within {count} second", "the rpm tool gave no answer within {count} seconds", count=TIMEOUT_SECONDS)
        log.problem(f"/{database}", reason)
        return _decoded(timeout.stdout)
    except OSError as error:
        log.os_problem(tool, error)
        return ""
    if completed.returncode != 0:
        log.problem(f"/{database}", Message.of("the rpm tool failed: {error}", error=_first_line(completed)))
    else:
        log.read_one()
    return _decoded(completed.stdout)


def _decoded(output: bytes | None) -> str:
    return (output or b"").decode("utf-8", errors="replace")


def _first_line(completed: subprocess.CompletedProcess) -> str:
    """The first error rpm printed (its warnings about the database format come before it)."""
    lines = [line.strip() for line in _decoded(completed.stderr).splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    return (errors or lines or [f"exit status {completed.returncode}"])[0]


def _package_item(package: RpmPackage, database: str) -> InventoryItem:
    return InventoryItem(
        source="rpm",
        kind=EvidenceKind.INSTALLED,
        identifiers=(("rpm", package.name),),
        name=package.name,
        publisher=package.vendor,
        version=package.version,
        location=f"/{database} ({package.name})",
        details=(("architecture", package.arch),) if package.arch else (),
    )
