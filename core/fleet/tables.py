"""Which osquery table shows which kind of identifier, declared as data (the table specs are in
osquery's `specs/` folder; `tests/core/fleet` checks every table and column named here against
them).

A probe reads one table for some identifier kinds of a rule. Its columns are SQL expressions over
one row of the table. `kind` is the evidence AppWarden's own source gives for the same thing: a
leftover (a registry key, a certificate, a browser extension, a receipt) is reported, but a Fleet
policy fails only on an app that is present, as a check on the device does.
"""

from __future__ import annotations

from dataclasses import dataclass

from appwarden.core.messages import Message
from appwarden.core.sources.base import LINUX, MACOS, WINDOWS, EvidenceKind

#: osquery's platform names for AppWarden's.
OSQUERY_PLATFORMS = {LINUX: "linux", MACOS: "darwin", WINDOWS: "windows"}
COMPUTERS = (LINUX, MACOS, WINDOWS)
# Where Windows keeps uninstall entries: every per-machine view, and each user's under HKEY_USERS
# (osquery cannot name HKEY_CURRENT_USER).
UNINSTALL_KEYS = (
    "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall",
    "HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall",
)
USER_UNINSTALL_KEYS = "Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall"


@dataclass(frozen=True)
class Probe:
    """How one osquery table shows some kinds of identifier."""

    table: str
    platforms: tuple[str, ...]  # AppWarden's platform names
    namespaces: tuple[str, ...]  # the identifier kinds it shows
    column: str  # the column compared with the identifiers
    kind: EvidenceKind
    # How identifiers are compared: "equals" (the column is one of them), "family" (a Store
    # package family name's name part), "path" (the exact path, as osquery's file table needs),
    # "uninstall_key" (a subkey of the uninstall keys), "registry_key", "certificate".
    compare: str = "equals"
    name: str = ""
    publisher: str = ""  # with `name`, where a rule's display names are matched (a confirming publisher)
    version: str = ""
    location: str = ""
    where: str = ""  # a fixed condition on the row
    rows_from: str = ""  # the FROM clause, when it is not the table alone
    countable: bool = True  # osquery can list the whole table (no path or key is required)

    @property
    def source(self) -> str:
        return self.rows_from or self.table


PROBES: tuple[Probe, ...] = (
    Probe("deb_packages", (LINUX,), ("deb",), "name", EvidenceKind.INSTALLED,
          name="name", publisher="maintainer", version="version", location="'dpkg'"),
    Probe("rpm_packages", (LINUX,), ("rpm",), "name", EvidenceKind.INSTALLED,
          name="name", publisher="vendor", version="version", location="'rpm'"),
    Probe("systemd_units", (LINUX,), ("systemd_unit",), "id", EvidenceKind.SERVICE, location="fragment_path"),
    Probe("programs", (WINDOWS,), ("msi_product_code",), "identifying_number", EvidenceKind.INSTALLED,
          name="name", publisher="publisher", version="version", location="install_location"),
    Probe("programs", (WINDOWS,), ("msix",), "package_family_name", EvidenceKind.INSTALLED, compare="family",
          name="name", publisher="publisher", version="version", location="install_location"),
    Probe("registry", (WINDOWS,), ("windows_uninstall_key",), "name", EvidenceKind.INSTALLED,
          compare="uninstall_key", location="path", countable=False),
    Probe("services", (WINDOWS,), ("windows_service",), "name", EvidenceKind.SERVICE,
          name="display_name", location="path"),
    Probe("chocolatey_packages", (WINDOWS,), ("chocolatey",), "name", EvidenceKind.INSTALLED,
          version="version", location="path"),
    Probe("registry", (WINDOWS,), ("windows_registry_key",), "path", EvidenceKind.LEFTOVER,
          compare="registry_key", location="path", countable=False),
    Probe("apps", (MACOS,), ("macos_bundle_id", "ios_bundle_id"), "bundle_identifier", EvidenceKind.INSTALLED,
          name="name", version="bundle_short_version", location="path"),
    Probe("launchd", (MACOS,), ("launchd_label",), "label", EvidenceKind.SERVICE, location="path"),
    Probe("homebrew_packages", (MACOS,), ("homebrew_cask",), "name", EvidenceKind.INSTALLED,
          version="version", location="path", where="type = 'cask'"),
    Probe("package_receipts", (MACOS,), ("macos_pkg_receipt",), "package_id", EvidenceKind.LEFTOVER,
          version="version", location="path"),
    Probe("processes", COMPUTERS, ("process",), "name", EvidenceKind.RUNNING, location="path"),
    Probe("file", COMPUTERS, ("executable",), "path", EvidenceKind.INSTALLED, compare="path",
          location="path", countable=False),
    Probe("certificates", COMPUTERS, ("certificate_subject",), "common_name", EvidenceKind.LEFTOVER,
          compare="certificate", location="path"),
    Probe("chrome_extensions", COMPUTERS, ("browser_extension",), "identifier", EvidenceKind.LEFTOVER,
          name="name", version="version", location="path",
          rows_from="users CROSS JOIN chrome_extensions USING (uid)"),
    Probe("firefox_addons", COMPUTERS, ("browser_extension",), "identifier", EvidenceKind.LEFTOVER,
          name="name", version="version", location="path",
          rows_from="users CROSS JOIN firefox_addons USING (uid)"),
)

#: Identifier kinds no osquery table shows (at the specs in ../shared/reference/osquery-tables),
#: with why: named in every export, never dropped silently.
NOT_EXPRESSIBLE = {
    "flatpak": Message.of("osquery has no Flatpak table"),
    "snap": Message.of("osquery has no Snap table"),
    "appimage": Message.of("osquery has no AppImage table, and an AppImage's file name carries its version"),
    "pacman": Message.of("osquery has no pacman (Arch Linux) table"),
    "deepin_app": Message.of("osquery has no table of /opt/apps (a deepin app installed as a .deb is found by its package)"),
    "desktop_file": Message.of("osquery has no table of desktop entries"),
    "scoop": Message.of("osquery has no Scoop table"),
    "android_package": Message.of("osquery does not run on phones: see the MDM export"),
}
