"""The phone's maker, model and Android version from `getprop`; its serial only ever shortened."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PROPERTY = re.compile(r"^\[([^\]]*)\]: \[(.*)\]\s*$")
# Properties that identify the very phone (serial, IMEI): never kept in full.
_SERIAL_PROPERTIES = ("ro.serialno", "ro.boot.serialno")


@dataclass(frozen=True)
class DeviceProperties:
    manufacturer: str = ""
    model: str = ""
    android_version: str = ""
    serial: str = ""  # shortened(...) of the phone's serial, never the whole


def shortened(serial: str) -> str:
    """`R58M…9X`: the first and last two characters at most, so a report never holds the serial."""
    serial = serial.strip()
    if len(serial) <= 6:
        return "…" if serial else ""
    return f"{serial[:2]}…{serial[-2:]}"


def parse_getprop(text: str) -> DeviceProperties:
    """`[ro.product.manufacturer]: [Google]` lines; anything else is not a property and is passed over."""
    properties: dict[str, str] = {}
    for line in text.splitlines():
        found = _PROPERTY.match(line)
        if found is not None:
            properties.setdefault(found.group(1), found.group(2))
    serial = next((properties[name] for name in _SERIAL_PROPERTIES if properties.get(name)), "")
    return DeviceProperties(
        manufacturer=properties.get("ro.product.manufacturer", ""),
        model=properties.get("ro.product.model", ""),
        android_version=properties.get("ro.build.version.release", ""),
        serial=shortened(serial),
    )
