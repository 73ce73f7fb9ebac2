"""The Android sources: the apps installed on a phone and the apps running on it, read from a phone
connected now (core/sources/android/connected.py, through core/phones) or from what was captured
from one (core/sources/android/captures.py). Both give the same AndroidCapture, parsed by the same
code; these sources only turn it into inventory items."""

from __future__ import annotations

from appwarden.core.messages import Message
from appwarden.core.sources.android.captures import AndroidCapture, UnreadableCapture, read_capture_once
from appwarden.core.sources.android.packages import AndroidPackage
from appwarden.core.sources.base import (
    ANDROID,
    CoverageLog,
    EvidenceKind,
    InventoryItem,
    InventorySource,
    ReadRequest,
    SourceResult,
    SourceSpec,
)

CAPTURE_READS = ("pm list packages", "dumpsys package", "adb bugreport zip", "AndroidQF packages.json")


RUNNING_PLACES = ("ps -A", "ps.txt")  # where a reading's problems about running apps come from


def capture_of(request: ReadRequest, log: CoverageLog, running: bool = False) -> AndroidCapture | None:
    """What the phone connected now, or the capture the target names, holds, its problems noted in
    the log; None when it cannot be read. Either is read once per check, whichever source asks first."""
    session = request.target.phone
    capture = session.reading(request) if session is not None else read_capture_once(request.target.root)
    if isinstance(capture, UnreadableCapture):
        log.problem(capture.path, capture.reason)
        return None
    for problem in capture.problems:  # each source says the problems of what it reads
        if (problem.location in RUNNING_PLACES) == running:
            log.problem(problem.location, problem.reason, problem.elevation_helps)
    return capture


class AndroidApps(InventorySource):
    spec = SourceSpec(
        name="android_packages",
        title="Android apps",
        platforms=frozenset({ANDROID}),
        reads=CAPTURE_READS,
        yields=("android_package",),
        kind=EvidenceKind.INSTALLED,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        log = CoverageLog(self.spec.name, request.target)
        capture = capture_of(request, log)
        if capture is None:
            return log.result([])
        if capture.packages_listed:  # a phone gone before any list was read: nothing was read
            log.read_one()
        where = (request.target.hostname or "phone") if request.target.phone is not None else request.target.root.name
        return log.result([_installed(package, where, capture.work_profiles) for package in capture.packages])


class AndroidRunningApps(InventorySource):
    spec = SourceSpec(
        name="android_running",
        title="Apps running on the phone",
        platforms=frozenset({ANDROID}),
        reads=("ps -A",),
        yields=("android_package",),
        kind=EvidenceKind.RUNNING,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        log = CoverageLog(self.spec.name, request.target)
        capture = capture_of(request, log, running=True)
        if capture is None:
            return log.result([])
        if not capture.running_listed:
            log.problem("ps -A", Message.of("the phone stopped answering before its running apps were read"))
            return log.result([])
        if not capture.running and request.target.phone is None:
            return log.result([], Message.of("this capture holds no list of running apps"))
        log.read_one()  # a phone's process list was read, even one with no app in it
        items = [
            InventoryItem(
                source=self.spec.name, kind=EvidenceKind.RUNNING, identifiers=(("android_package", process.package),),
                name=process.name, location=f"pid {process.pid}", details=(("pid", str(process.pid)),),
            )
            for process in capture.running if process.package
        ]
        return log.result(items)


PLAY_STORE = "com.android.vending"


def installed_from(package: AndroidPackage) -> str:
    """Where the app came from, in plain words: the Play Store, another store, or no store at all."""
    if package.installer == PLAY_STORE:
        return "the Google Play Store"
    if package.installer:
        return f"another store ({package.installer})"
    if package.system:
        return "preinstalled with the phone"
    return "no store: installed from a file (sideloaded)"


def _installed(package: AndroidPackage, where: str, work_profiles: frozenset[int] = frozenset()) -> InventoryItem:
    details: list[tuple[str, str]] = []
    if package.users:
        details.append(("users", ",".join(map(str, package.users))))
    if work_profiles & set(package.users):
        details.append(("work_profile_users", ",".join(map(str, sorted(work_profiles & set(package.users))))))
    if package.installer:
        details.append(("installer", package.installer))
    details.append(("installed_from", installed_from(package)))
    if package.system is not None:
        details.append(("system", "yes" if package.system else "no"))
    if package.first_install_time:
        details.append(("first_install_time", package.first_install_time))
    return InventoryItem(
        source="android_packages",
        kind=EvidenceKind.INSTALLED,
        identifiers=(("android_package", package.name),),
        name=package.name,
        version=package.version_name or package.version_code,
        location=f"{where} ({package.name})",
        details=tuple(details),
    )
