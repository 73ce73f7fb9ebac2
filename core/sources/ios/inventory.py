"""The iPhone and iPad sources, read from a backup folder (core/sources/ios/backup.py) or from a
device plugged in (core/phones/iphone.py), in the same shape: the apps the device lists, and (in a
backup) the apps that left data in it (installed when the device lists them too,
else leftover evidence: data of an app that is gone)."""

from __future__ import annotations

from appwarden.core.messages import Message
from appwarden.core.sources.base import (
    IOS,
    CoverageLog,
    EvidenceKind,
    InventoryItem,
    InventorySource,
    ReadRequest,
    SourceResult,
    SourceSpec,
)
from appwarden.core.sources.ios.backup import INFO_PLIST, MANIFEST_DB, MANIFEST_PLIST, IosBackup, read_backup_once


def backup_of(request: ReadRequest, log: CoverageLog, files: tuple[str, ...]) -> IosBackup:
    """The backup the target names, with the problems of the files this source reads noted."""
    session = request.target.phone  # an iPhone plugged in (core/phones/iphone.py), read as a backup reads
    backup = session.reading(request) if session is not None else read_backup_once(request.target.root)
    for problem in backup.problems:
        if problem.location in files:
            log.problem(problem.location, problem.reason)
    return backup


class IosApps(InventorySource):
    spec = SourceSpec(
        name="ios_apps",
        title="iPhone and iPad apps",
        platforms=frozenset({IOS}),
        reads=("Info.plist: Installed Applications and Applications of a backup",),
        yields=("ios_bundle_id",),
        kind=EvidenceKind.INSTALLED,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        log = CoverageLog(self.spec.name, request.target)
        backup = backup_of(request, log, (INFO_PLIST, MANIFEST_PLIST, "ideviceinstaller"))
        if not any(problem.location == INFO_PLIST for problem in backup.problems):
            log.read_one()
        where = request.target.hostname or request.target.root.name
        return log.result([
            InventoryItem(
                source=self.spec.name, kind=EvidenceKind.INSTALLED, identifiers=(("ios_bundle_id", app.bundle_id),),
                name=app.name or app.bundle_id, version=app.version, location=f"{where} ({app.bundle_id})",
            )
            for app in backup.apps
        ])


class IosAppData(InventorySource):
    spec = SourceSpec(
        name="ios_app_data",
        title="App data in the iPhone or iPad backup",
        platforms=frozenset({IOS}),
        reads=("Manifest.db: AppDomain-, AppDomainGroup- and AppDomainPlugin- domains of a backup",),
        yields=("ios_bundle_id",),
        kind=EvidenceKind.LEFTOVER,
    )

    def read(self, request: ReadRequest) -> SourceResult:
        log = CoverageLog(self.spec.name, request.target)
        if request.target.phone is not None:
            return log.result([], Message.of("only read from a backup of the device"))
        backup = backup_of(request, log, (MANIFEST_DB,))
        if not backup.manifest_read:
            return log.result([], Message.of("the backup holds no list of app data"))
        log.read_one()
        listed = {app.bundle_id for app in backup.apps}
        return log.result([
            InventoryItem(
                source=self.spec.name,
                kind=EvidenceKind.INSTALLED if bundle_id in listed else EvidenceKind.LEFTOVER,
                identifiers=(("ios_bundle_id", bundle_id),),
                name=bundle_id,
                location=f"{MANIFEST_DB}: AppDomain-{bundle_id}",
            )
            for bundle_id in backup.data_of
        ])
