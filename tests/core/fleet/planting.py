"""Rows that make a table show an identifier, as osquery would list them: the inverse of each
probe in core/fleet/tables.py, for the tests."""

from __future__ import annotations

from appwarden.core.fleet.tables import PROBES, UNINSTALL_KEYS, Probe

USER_SID = "S-1-5-21-1004336348-1177238915-682003330-1001"


def probes_for(namespace: str, platform: str) -> list[Probe]:
    return [p for p in PROBES if namespace in p.namespaces and platform in p.platforms]


def rows_showing(probe: Probe, value: str) -> list[tuple[str, dict]]:
    """(table, columns) rows that show `value`; several when osquery shows it in several ways
    (each of the uninstall keys), each to be planted on its own."""
    if probe.compare == "family":
        return [(probe.table, {"package_family_name": f"{value}_8wekyb3d8bbwe", "name": value})]
    if probe.compare == "uninstall_key":
        parents = [*UNINSTALL_KEYS, f"HKEY_USERS\\{USER_SID}\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall"]
        return [(probe.table, {"key": parent, "path": f"{parent}\\{value}", "name": value, "type": "subkey"})
                for parent in parents]
    if probe.compare == "registry_key":
        hive, rest = value.split("\\", 1)
        parent, name = rest.rsplit("\\", 1)
        root = "HKEY_LOCAL_MACHINE" if hive.upper() == "HKLM" else f"HKEY_USERS\\{USER_SID}"
        return [(probe.table, {"key": f"{root}\\{parent}", "path": f"{root}\\{rest}", "name": name, "type": "subkey"})]
    if probe.compare == "certificate":
        parts = dict(part.strip().split("=", 1) for part in value.split(","))
        subject = f"/C=RU/O={parts['O']}/CN={parts['CN']}"
        return [(probe.table, {"common_name": parts["CN"], "subject": subject, "path": "/etc/ssl/certs/k.pem"})]
    row = {probe.column: value}
    if probe.where == "type = 'cask'":
        row["type"] = "cask"
    if probe.rows_from:
        row["uid"] = 1000
    return [(probe.table, row)]
