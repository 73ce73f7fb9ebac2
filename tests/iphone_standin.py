"""Stand-in programs for libimobiledevice's `idevice_id`, `ideviceinfo`, `idevicepair` and
`ideviceinstaller`, on a temporary PATH, for tests.

No iPhone exists on this machine (and so nothing for usbmuxd to talk to). These programs print what
Debian 12's libimobiledevice 1.3.0 and ideviceinstaller 1.1.1 print, with their exit codes (read in
their sources at those tags and run against a fake usbmux daemon), from a state file the test
writes, and keep state: an uninstall removes the app, unpair forgets the pairing. What stays
untested is only the real programs talking to a real device.

    stand_ins = IphoneStandIns(tmp_path, [StandInIphone(apps=[("com.tencent.xin", "8.0.50", "WeChat")])])
    monkeypatch.setenv("PATH", stand_ins.path)   # or IphoneTools(stand_ins.path)
    stand_ins.device(0)["apps"], stand_ins.calls
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

UDID_40 = "1cb128eafa77c5be74283e9a3a2130af36a3c059"
UDID_25 = "00008030-001A2B3C4D5E802E"


@dataclass
class StandInIphone:
    udid: str = UDID_25
    product_type: str = "iPhone14,5"
    product_version: str = "17.1.2"
    device_name: str = "Ana’s iPhone"
    serial: str = "F2LXK0ABCD12"  # asked for by no AppWarden command: a test checks it never shows
    paired: bool = True
    locked: bool = False
    trust: str = "tap"  # when not paired: "tap" (Trust is tapped once asked), "never", "deny"
    prompted: bool = False
    apps: list = field(default_factory=list)  # [bundle id, version, name]
    restricted: list = field(default_factory=list)  # bundle ids the device refuses to uninstall (MDM)
    installer: str = "1.1.1"  # the ideviceinstaller it answers as: "1.1.1" (Debian 12's) or "1.2.0" (list/uninstall commands)


PROGRAM = r'''#!@@PYTHON@@
import fcntl, json, os, sys
STATE = @@STATE@@
NAME = @@NAME@@
# One program at a time, as one device answers one request at a time: two run at once (the kiosk
# looks for devices while it pairs) would otherwise each save a state the other did not see.
LOCK = open(STATE + ".lock", "a")
fcntl.flock(LOCK, fcntl.LOCK_EX)

def load():
    with open(STATE) as f:
        return json.load(f)

def save(state):  # whole or not at all: a test may read the state while a program runs
    with open(STATE + ".%d" % os.getpid(), "w") as f:
        json.dump(state, f)
    os.replace(STATE + ".%d" % os.getpid(), STATE)

def out(text, code=0, err=False):
    (sys.stderr if err else sys.stdout).write(text)
    sys.exit(code)

state = load()
state["calls"].append([NAME] + sys.argv[1:])
state.setdefault("homes", []).append(os.environ.get("HOME"))
save(state)
args = sys.argv[1:]
udid = args[args.index("-u") + 1] if "-u" in args else None
device = next((d for d in state["devices"] if d["udid"] == udid), None)

def handshake_error():
    """What lockdown answers before a session, as ideviceinfo words it."""
    if not device["paired"]:
        if device["trust"] == "deny":
            return "User denied pairing (-18)"
        if device["locked"]:
            return "Password protected (-17)"
        return "Pairing dialog response pending (-19)"
    return None

def not_found():
    """What each program says of a device usbmuxd does not have (or when usbmuxd is not running)."""
    if NAME == "ideviceinfo":
        out("ERROR: Device %s not found!\n" % udid, 255)
    if NAME == "idevicepair":
        out("No device found with udid %s.\n" % udid, 1)
    out("No device found with udid %s.\n" % udid, 255, err=True)

if not state["usbmuxd"]:
    if NAME == "idevice_id":
        out("ERROR: Unable to retrieve device list!\n", 255, err=True)
    not_found()

if NAME == "idevice_id":
    if args == ["-l"]:
        out("".join(d["udid"] + "\n" for d in state["devices"]))
    out("idevice_id: invalid option\n", 1, err=True)

if device is None and not (NAME == "ideviceinstaller" and args == ["-h"]):
    not_found()

if NAME == "ideviceinfo":
    problem = handshake_error()
    if problem:
        if not device["paired"] and device["trust"] == "tap":
            device["prompted"] = True
            save(state)
        out("ERROR: Could not connect to lockdownd: %s\n" % problem, 255, err=True)
    keys = {"ProductType": device["product_type"], "ProductVersion": device["product_version"],
            "DeviceName": device["device_name"], "SerialNumber": device["serial"]}
    if "-k" in args:
        value = keys.get(args[args.index("-k") + 1])
        out(value + "\n" if value is not None else "")
    out("".join("%s: %s\n" % item for item in keys.items()))

if NAME == "idevicepair":
    command = args[-1]
    if command in ("validate", "pair"):
        if device["paired"]:
            if device["locked"] and command == "validate":
                pass
            out(("SUCCESS: Validated pairing with device %s\n" if command == "validate" else "SUCCESS: Paired with device %s\n") % udid)
        if device["locked"]:
            out("ERROR: Could not validate with device %s because a passcode is set. Please enter the passcode on the device and retry.\n" % udid, 1)
        if device["trust"] == "deny":
            out("ERROR: Device %s said that the user denied the trust dialog.\n" % udid, 1)
        if device["trust"] == "tap" and device["prompted"]:
            device["paired"] = True
            save(state)
            out(("SUCCESS: Validated pairing with device %s\n" if command == "validate" else "SUCCESS: Paired with device %s\n") % udid)
        device["prompted"] = True
        save(state)
        out("ERROR: Please accept the trust dialog on the screen of device %s, then attempt to pair again.\n" % udid, 1)
    if command == "unpair":
        if not device["paired"]:
            out("ERROR: Device %s is not paired with this host\n" % udid, 1)
        device["paired"] = False
        device["prompted"] = False
        save(state)
        out("SUCCESS: Unpaired with device %s\n" % udid)
    out("ERROR: Invalid command '%s' specified\n" % command, 1)

if NAME == "ideviceinstaller":
    modern = state["devices"] and state["devices"][0]["installer"] != "1.1.1"
    if args == ["-h"]:
        if modern:
            out("Usage: ideviceinstaller [OPTIONS] COMMAND\n\nCOMMANDS:\n  list\t\tList installed apps\n  uninstall ID\tUninstall app\n")
        out("Usage: ideviceinstaller OPTIONS\n  -l, --list-apps\tList apps, possible options:\n  -U, --uninstall APPID\tUninstall app specified by APPID.\n")
    if modern and ("-l" in args or "-U" in args):
        out("ideviceinstaller: invalid option -- 'l'\n", 2, err=True)
    if modern and "list" in args:
        args = args + ["-l"]
    if modern and "uninstall" in args:
        args = args + ["-U", args[args.index("uninstall") + 1]]
    if handshake_error() or device["locked"]:
        out("Could not connect to lockdownd. Exiting.\n", 255, err=True)
    if "-l" in args:
        if modern:  # 1.2 escapes quotes and names the short version
            rows = "".join('%s, "%s", "%s"\n' % (bundle, version, name.replace('"', '\\"')) for bundle, version, name in device["apps"])
            out("CFBundleIdentifier, CFBundleShortVersionString, CFBundleDisplayName\n" + rows)
        rows = "".join('%s, "%s", "%s"\n' % (bundle, version, name) for bundle, version, name in device["apps"])
        out("CFBundleIdentifier, CFBundleVersion, CFBundleDisplayName\n" + rows)
    if "-U" in args:
        bundle = args[args.index("-U") + 1]
        sys.stdout.write("Uninstalling '%s'\n" % bundle)
        if bundle in device["restricted"]:
            out('ERROR: Uninstall failed. Got error "UninstallProhibited" with code 0x00000045: Uninstall of this app is restricted.\n', 128, err=True)
        before = len(device["apps"])
        device["apps"] = [app for app in device["apps"] if app[0] != bundle]
        save(state)
        if len(device["apps"]) != before:
            sys.stdout.write("\rUninstall: RemovingApplication (50%)\n\rUninstall: GeneratingApplicationMap (90%)\n")
        out("\rUninstall: Complete\n")
    out("ERROR: No mode/command was supplied.\n", 2)
'''

NAMES = ("idevice_id", "ideviceinfo", "idevicepair", "ideviceinstaller")


class IphoneStandIns:
    """The four programs in `folder`/bin, sharing one state file."""

    def __init__(self, folder: Path, devices: list[StandInIphone], usbmuxd: bool = True) -> None:
        self.bin = folder / "bin"
        self.bin.mkdir(parents=True, exist_ok=True)
        self.state = folder / "iphones.json"
        self.state.write_text(json.dumps({"devices": [asdict(d) for d in devices], "usbmuxd": usbmuxd, "calls": []}))
        for name in NAMES:
            program = self.bin / name
            program.write_text(PROGRAM.replace("@@PYTHON@@", sys.executable).replace("@@STATE@@", repr(str(self.state)))
                               .replace("@@NAME@@", repr(name)))
            program.chmod(0o755)

    @property
    def path(self) -> str:
        return str(self.bin)

    def read(self) -> dict:
        return json.loads(self.state.read_text())

    def device(self, index: int = 0) -> dict:
        return self.read()["devices"][index]

    @property
    def calls(self) -> list[list[str]]:
        return self.read()["calls"]

    @property
    def homes(self) -> set[str | None]:
        """The HOME each program was started with."""
        return set(self.read().get("homes", []))
