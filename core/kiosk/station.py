"""What a kiosk computer keeps and starts for its whole life, and for each person's session.

Everything the kiosk writes lives in its state folder (the configuration's `state_folder`, else
platformdirs' site data dir): the optional daily counts, a HOME for the programs it starts, the
caches of its own process, and a session folder emptied when each session ends. Nothing goes under
the person's HOME or the temporary folder. Each session gets a new ADB key kept only in memory.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from appwarden.core.kiosk.config import ConfigReading, KioskConfig, default_config_path, read_config
from appwarden.core.messages import Message

HOME_FOLDER = "home"  # HOME of the programs the kiosk starts (libimobiledevice's tools)
CACHE_FOLDER = "cache"  # the kiosk process's own XDG folders (fonts, Qt)
SESSION_FOLDER = "session"  # the temporary folder of one person's session: emptied when it ends
XDG_FOLDERS = {"XDG_CACHE_HOME": "cache", "XDG_CONFIG_HOME": "config", "XDG_DATA_HOME": "data", "XDG_STATE_HOME": "state"}


@dataclass
class KioskStation:
    config: KioskConfig
    config_path: Path
    config_problems: tuple[str, ...] = ()
    state_folder: Path | None = None
    staff_notes: list[str] = field(default_factory=list)  # for IT, in a corner of the welcome screen
    _private: bool = False  # the state folder is a private stand-in, removed when the kiosk stops

    # --- its folders ------------------------------------------------------------------------------

    @property
    def session_folder(self) -> Path:
        return self.state_folder / SESSION_FOLDER

    @property
    def child_home(self) -> Path:
        return self.state_folder / HOME_FOLDER

    def child_environment(self) -> dict[str, str]:
        """The environment of a program the kiosk starts: HOME, its XDG folders and TMPDIR in the state folder."""
        env = {**os.environ, "HOME": str(self.child_home), "TMPDIR": str(self.session_folder)}
        env.update({name: str(self.child_home / folder) for name, folder in XDG_FOLDERS.items()})
        return env

    def confine_this_process(self) -> None:
        """This process's caches and temporary files go to the state folder, not to the person's HOME
        or the shared temporary folder (fontconfig and Qt write caches under XDG_CACHE_HOME)."""
        for name, folder in XDG_FOLDERS.items():
            os.environ[name] = str(self.state_folder / CACHE_FOLDER / folder)
        os.environ["TMPDIR"] = str(self.session_folder)
        tempfile.tempdir = str(self.session_folder)

    def end_session(self) -> None:
        """What a session left in its temporary folder is deleted (the folder itself stays, empty)."""
        _empty(self.session_folder)

    def close(self) -> None:
        self.end_session()
        if self._private:
            shutil.rmtree(self.state_folder, ignore_errors=True)

    # --- what it starts -----------------------------------------------------------------------------

    def android_finder(self, connect: tuple = ()):
        """How this session looks for Android phones: with a new ADB key kept only in memory, so the
        authorisation a phone stores for it is worthless once the session ends."""
        from appwarden.core.phones.keys import SessionKey
        from appwarden.core.phones.session import PhoneFinder

        return PhoneFinder(SessionKey(), tuple(connect))

    def iphone_tools(self, path: str | None = None):
        from appwarden.core.phones.iphone import IphoneTools

        return IphoneTools(path, environment=self.child_environment())

    # --- the counts ---------------------------------------------------------------------------------

    def count(self, rule_ids: list[str], on: dt.date | None = None) -> Message | None:
        """One more check (and finding per rule) for today, when the configuration asks for counts;
        why it could not be counted, or None."""
        from appwarden.core.kiosk.counts import COUNTS_FILE, CountsUnusable, count_check

        if not self.config.keep_daily_counts:
            return None
        path = self.state_folder / COUNTS_FILE
        try:
            count_check(path, rule_ids, on or dt.date.today())
        except CountsUnusable as error:
            return Message.of("The daily counts are not kept: {file} is {reason}, so it is left as it is.", file=path, reason=str(error))
        except OSError as error:
            return Message.of("The daily counts are not kept: {file} cannot be written ({reason}).",
                              file=path, reason=error.strerror or str(error))
        return None


def open_station(config_path: Path | None = None) -> KioskStation:
    """The kiosk's configuration (the defaults, and notes for the staff, when it cannot be used) and
    its state folder, made if needed (a private one when that fails, said in the notes)."""
    path = config_path or default_config_path()
    reading: ConfigReading = read_config(path)
    station = KioskStation(reading.config, path, reading.problems)
    if reading.problems:
        station.staff_notes.append(reading.problems[0] if len(reading.problems) == 1 else
                                   f"{reading.problems[0]} (and {len(reading.problems) - 1} more: "
                                   f"appwarden kiosk --check-config {path})")
    folder = reading.config.state_folder or _site_data_folder()
    problem = _make_state_folder(folder)
    if problem is None:
        station.state_folder = folder
    else:
        station.state_folder, station._private = Path(tempfile.mkdtemp(prefix="appwarden-kiosk-")), True
        station.staff_notes.append(f"{folder}: the kiosk's state folder cannot be used ({problem}); "
                                   "nothing is counted, and a private folder is used until the kiosk stops")
        if reading.config.keep_daily_counts:
            from dataclasses import replace

            station.config = replace(station.config, keep_daily_counts=False)
    for sub in (SESSION_FOLDER, HOME_FOLDER, CACHE_FOLDER):
        (station.state_folder / sub).mkdir(mode=0o700, exist_ok=True)
    station.end_session()  # a kiosk stopped in the middle of a session leaves nothing to the next one
    return station


def _site_data_folder() -> Path:
    import platformdirs

    return Path(platformdirs.site_data_dir("appwarden", appauthor=False))


def _make_state_folder(folder: Path) -> str | None:
    """Why `folder` cannot be the kiosk's state folder, or None once it is there and writable."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        found = folder.lstat()
    except OSError as error:
        return error.strerror or str(error)
    if not stat.S_ISDIR(found.st_mode):
        return "it is not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return "this account cannot write in it"
    return None


def _empty(folder: Path) -> None:
    """Deletes what is in `folder` without following links out of it (shutil.rmtree's own guard)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)
        except OSError:
            pass
