"""The kiosk's station: its state folder (made, or a private one said to the staff), the environment
of the programs it starts, the session folder emptied at each end, and the counts kept only when asked."""

from __future__ import annotations

import datetime as dt
import os
import tempfile

import pytest

from appwarden.core.kiosk.station import open_station


def config(tmp_path, *lines: str):
    path = tmp_path / "kiosk.toml"
    path.write_text("[kiosk]\n" + "\n".join(lines) + "\n")
    return path


def test_the_state_folder_is_made_private_with_its_parts(tmp_path):
    state = tmp_path / "state"
    station = open_station(config(tmp_path, f'state_folder = "{state}"'))
    assert station.state_folder == state and station.staff_notes == []
    assert sorted(p.name for p in state.iterdir()) == ["cache", "home", "session"]
    assert state.stat().st_mode & 0o777 == 0o700


def test_programs_the_kiosk_starts_have_their_home_and_temporary_folder_in_the_state_folder(tmp_path):
    state = tmp_path / "state"
    station = open_station(config(tmp_path, f'state_folder = "{state}"'))
    env = station.child_environment()
    assert (env["HOME"], env["TMPDIR"], env["XDG_CONFIG_HOME"]) == (str(state / "home"), str(state / "session"), str(state / "home/config"))
    assert station.iphone_tools().environment["HOME"] == str(state / "home")


def test_confining_the_process_moves_its_caches_and_temporary_files(tmp_path, monkeypatch):
    for name in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "TMPDIR"):
        monkeypatch.setenv(name, "/nowhere")
    monkeypatch.setattr(tempfile, "tempdir", None)
    state = tmp_path / "state"
    station = open_station(config(tmp_path, f'state_folder = "{state}"'))
    station.confine_this_process()
    assert os.environ["XDG_CACHE_HOME"] == str(state / "cache/cache") and tempfile.gettempdir() == str(state / "session")
    with tempfile.NamedTemporaryFile() as scratch:
        assert scratch.name.startswith(str(state / "session"))


def test_a_session_ends_with_its_folder_empty_and_a_link_out_of_it_is_not_followed(tmp_path):
    state, outside = tmp_path / "state", tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("kept")
    station = open_station(config(tmp_path, f'state_folder = "{state}"'))
    (station.session_folder / "scratch").mkdir()
    (station.session_folder / "scratch/a.txt").write_text("x")
    (station.session_folder / "link").symlink_to(outside)
    station.end_session()
    assert list(station.session_folder.iterdir()) == [] and (outside / "keep.txt").read_text() == "kept"


def test_a_state_folder_that_cannot_be_used_gives_a_private_one_and_no_counts(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    station = open_station(config(tmp_path, f'state_folder = "{blocker / "state"}"', "keep_daily_counts = true"))
    assert station.state_folder != blocker / "state" and station.state_folder.is_dir()
    assert station.staff_notes == [f"{blocker / 'state'}: the kiosk's state folder cannot be used (Not a directory); "
                                   "nothing is counted, and a private folder is used until the kiosk stops"]
    assert station.config.keep_daily_counts is False
    private = station.state_folder
    station.close()
    assert not private.exists()


def test_counts_are_kept_only_when_the_configuration_asks(tmp_path):
    state = tmp_path / "state"
    quiet = open_station(config(tmp_path, f'state_folder = "{state}"'))
    assert quiet.count(["wechat"]) is None and not (state / "daily-counts.json").exists()
    counting = open_station(config(tmp_path, f'state_folder = "{state}"', "keep_daily_counts = true"))
    assert counting.count(["wechat", "wechat", "tiktok"], on=dt.date(2026, 12, 2)) is None
    assert '"2026-12-02"' in (state / "daily-counts.json").read_text()


def test_a_counts_file_that_is_not_counts_is_left_and_said(tmp_path):
    state = tmp_path / "state"
    station = open_station(config(tmp_path, f'state_folder = "{state}"', "keep_daily_counts = true"))
    (state / "daily-counts.json").write_text("not json")
    problem = station.count(["wechat"])
    assert problem.render() == (f"The daily counts are not kept: {state / 'daily-counts.json'} is not the kiosk's counts (JSON), "
                                "so it is left as it is.")
    assert (state / "daily-counts.json").read_text() == "not json"


def test_each_session_has_a_new_adb_key_kept_in_memory(tmp_path):
    station = open_station(config(tmp_path, f'state_folder = "{tmp_path / "state"}"'))
    first, second = station.android_finder(), station.android_finder()
    assert first.keys.key().fingerprint != second.keys.key().fingerprint
    assert [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "kiosk.toml"] == []  # no key file anywhere


def test_a_missing_configuration_is_one_note_for_the_staff(tmp_path, monkeypatch):
    monkeypatch.setattr("appwarden.core.kiosk.station._site_data_folder", lambda: tmp_path / "site")
    station = open_station(tmp_path / "absent.toml")
    assert station.staff_notes == [f"{tmp_path / 'absent.toml'}: there is no kiosk configuration here; the defaults apply"]
    assert station.state_folder == tmp_path / "site"


@pytest.mark.parametrize("text", ["[kiosk]\nidle_timeout_s = 1\nlanguages = [\"de\"]\n"])
def test_several_problems_are_one_line_that_names_the_command_for_the_rest(tmp_path, text, monkeypatch):
    monkeypatch.setattr("appwarden.core.kiosk.station._site_data_folder", lambda: tmp_path / "site")
    path = tmp_path / "kiosk.toml"
    path.write_text(text)
    station = open_station(path)
    assert len(station.staff_notes) == 1 and station.staff_notes[0].endswith(f"(and 1 more: appwarden kiosk --check-config {path})")
