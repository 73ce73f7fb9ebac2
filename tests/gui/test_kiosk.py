"""The kiosk (`appwarden-gui --kiosk`), on the offscreen platform: a whole session with a phone plugged
in (check, remove, check again, done), then nothing left anywhere; the idle timeout, unplugging,
the close shortcuts, the staff PIN, French, the receipt, and the unattended self-check.

No phone exists on this machine: the Android phone is tests/phone_standin.py (the real ADB protocol
on 127.0.0.1, from real phone outputs), reached with --connect; the iPhone is libimobiledevice's
programs as stand-ins (tests/iphone_standin.py). USB itself is not run here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QMenuBar, QPlainTextEdit

from appwarden.core.kiosk.pin import hash_pin
from tests.conftest import SHARED
from tests.gui.test_removal_window import walk_through
from tests.phone_standin import PhonePackage, StandInPhone

PIN = "482913"
KIOSK_PROGRAM = [sys.executable, "-c", "import sys; from appwarden.gui.launcher import main_window; sys.exit(main_window())"]
FAST_PIN_HASH = hash_pin(PIN, iterations=100_000)  # the least a configuration accepts: the test stays quick
needs_phone_outputs = pytest.mark.skipif(not (SHARED / "fixtures/phones/android").is_dir(),
                                         reason="the stand-in phone answers from ../shared/fixtures/phones (beside this checkout)")
pytestmark = needs_phone_outputs


def snapshot(*folders: Path) -> dict[str, list[str]]:
    return {str(folder): sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) for folder in folders}


@pytest.fixture
def places(tmp_path, monkeypatch):
    """A HOME, data, config, cache and temporary folder of the session's own, and the kiosk's state folder."""
    folders = {name: tmp_path / name for name in ("home", "data", "config", "cache", "tmp", "state", "etc")}
    for folder in folders.values():
        folder.mkdir()
    monkeypatch.setenv("HOME", str(folders["home"]))
    monkeypatch.setenv("XDG_DATA_HOME", str(folders["data"]))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folders["config"]))
    monkeypatch.setenv("XDG_CACHE_HOME", str(folders["cache"]))
    monkeypatch.setenv("XDG_STATE_HOME", str(folders["data"] / "state"))
    monkeypatch.setenv("TMPDIR", str(folders["tmp"]))
    monkeypatch.setattr(tempfile, "tempdir", str(folders["tmp"]))
    return folders


def write_config(places, **extra) -> Path:
    lines = ["[kiosk]", 'organisation = { en = "Treasury Board Secretariat", fr = "Secrétariat du Conseil du Trésor" }',
             'help_contact = { en = "Help desk, room 101", fr = "Soutien, salle 101" }',
             f'state_folder = "{places["state"]}"', "keep_daily_counts = true", f'pin_hash = "{FAST_PIN_HASH}"']
    lines += [f"{key} = {value}" for key, value in extra.items()]
    path = places["etc"] / "kiosk.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def open_kiosk(qtbot, config: Path, *argv: str, **timing):
    view, controller = open_kiosk_without_waiting(qtbot, config, *argv, **timing)
    qtbot.waitUntil(lambda: controller.policies is not None, timeout=10000)
    return view, controller


def open_kiosk_without_waiting(qtbot, config: Path, *argv: str, **timing):
    from appwarden.core.kiosk.station import open_station
    from appwarden.gui.kiosk_app import make_kiosk
    from appwarden.gui.launcher import window_arguments

    station = open_station(config)
    station.confine_this_process()
    options = window_arguments(["--kiosk", "--config", str(config), *argv])
    view, controller = make_kiosk(options, station, **timing)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    controller.start()
    return view, controller


@pytest.fixture
def confined(places, monkeypatch):
    """What confine_this_process changes, put back after the test."""
    for name in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "TMPDIR"):
        monkeypatch.setenv(name, os.environ[name])
    monkeypatch.setattr(tempfile, "tempdir", tempfile.tempdir)
    return places




def every_text(view) -> str:
    """Every text the window holds, shown or not: labels, buttons, text boxes, names for screen readers."""
    texts = [view.accessibleDescription(), view.windowTitle()]
    for widget in view.findChildren(QLabel):
        texts += [widget.text(), widget.accessibleName(), widget.toolTip()]
    for widget in view.findChildren(QAbstractButton):
        texts += [widget.text(), widget.accessibleName()]
    for widget in view.findChildren(QPlainTextEdit):
        texts += [widget.toPlainText(), widget.accessibleName()]
    return "\n".join(texts)


def reach_ready(qtbot, view, controller) -> None:
    """The phone connected (its session key made first, which took 1 to 8 s here) and the question asked."""
    qtbot.waitUntil(lambda: view.issued_button.isVisible(), timeout=45000)


def finish(controller) -> None:
    controller.shutdown()
    controller.reset()
    controller.background.wait(10000)


def test_a_whole_session_leaves_nothing_behind(qtbot, confined, phone):
    places = confined
    before = snapshot(places["home"], places["data"], places["config"], places["cache"], places["tmp"])
    view, controller = open_kiosk(qtbot, write_config(places), "--connect", phone.address, poll_ms=200)
    assert view.organisation.text() == "Treasury Board Secretariat"
    # Plugged in: the phone asks Allow for this session's own key, shown with its fingerprint.
    # Its key is made first: 2048-bit RSA in pure Python took 1 to 8 s here.
    qtbot.waitUntil(lambda: view.phone_heading.text() == "Tap Allow on your phone", timeout=40000)
    session_key = controller.finder.keys.key()
    assert session_key.fingerprint in view.phone_text.text()
    assert "do not tick \"Always allow from this computer\"" in view.phone_text.text()
    reach_ready(qtbot, view, controller)
    assert view.phone_text.text().startswith("samsung SM-A405FN. ")
    qtbot.mouseClick(view.issued_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.stage == "results", timeout=30000)
    assert view.verdict_heading.text() == "A prohibited app is on your phone"
    assert view.verdict_text.text() == "1 prohibited application found."
    card = view.cards.itemAt(0).widget()
    assert card.name.text() == "WeChat (Weixin)"
    assert card.reason.text() == ("Prohibited since October 30, 2023 — Treasury Board of Canada Secretariat (statement by the President of "
                                  "the Treasury Board, Anita Anand). You must remove it from this phone.")
    assert not card.more.isVisible()
    qtbot.mouseClick(card.toggle, Qt.MouseButton.LeftButton)
    assert card.more.isVisible() and "this phone or tablet is one of them" in card.more.text()
    assert card.toggle.text() == "Less about this"
    assert view.help_contact.text() == "Questions? Help desk, room 101. Show them your reference code."
    reference = controller.result.reference
    assert view.code.text() == reference.replace("-", "\u2011") and not view.qr.pixmap().isNull()
    # The removal, step by step on the kiosk's own page, then the phone is checked again.
    qtbot.mouseClick(view.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.removal is not None, timeout=10000)
    titles = list(dict.fromkeys(walk_through(qtbot, controller.removal)))
    assert titles[:2] == ["Close the app on the phone", "Uninstall WeChat (Weixin) from the phone"]
    assert view.removal.outcome.text().endswith("WeChat (Weixin) is gone from the phone."), view.removal.outcome.text()
    qtbot.mouseClick(view.removal.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.stage == "results" and not controller.result.findings, timeout=30000)
    assert view.verdict_heading.text() == "All clear"
    assert phone.installed(0) == {"com.tencent.wework"} and phone.storage() == {}
    # Done: how to turn USB debugging off and revoke the authorisations; then Done again.
    QGuiApplication.clipboard().setText(reference)  # as if someone had copied the code
    qtbot.mouseClick(view.done_button, Qt.MouseButton.LeftButton)
    assert controller.stage == "closing" and controller.session is None
    assert "made for your visit only" in view.closing_text.text()
    assert "tap Revoke USB debugging authorisations" in view.closing_text.text()
    qtbot.mouseClick(view.closing_done, Qt.MouseButton.LeftButton)
    assert controller.stage == "welcome"
    # Nothing kept: no result, no phone, no key, no text of the session, an empty clipboard, and
    # nothing written under HOME, the data, configuration or cache folders, or the temporary folder.
    assert (controller.session, controller.result, controller.target, controller.removal, controller.plans) == (None, None, None, None, [])
    assert controller.finder.keys.key().fingerprint != session_key.fingerprint
    texts = every_text(view)
    for identifier in ("R58M123456X", "R5…6X", "SM-A405FN", "samsung", reference, reference.replace("-", "\u2011"),
                       session_key.fingerprint, "WeChat", "com.tencent"):
        assert identifier not in texts, identifier
    assert view.qr.pixmap().isNull() and view.cards.count() == 0
    assert QGuiApplication.clipboard().text() == ""
    assert snapshot(places["home"], places["data"], places["config"], places["cache"], places["tmp"]) == before
    # The state folder holds the day's counts (nothing about the phone), and an empty session folder.
    counts = (places["state"] / "daily-counts.json").read_text()
    assert '"checks": 1' in counts and '"wechat": 1' in counts
    for identifier in ("R58M", "SM-A405FN", "samsung", reference):
        assert identifier not in counts
    assert list((places["state"] / "session").iterdir()) == []
    assert phone.kept_data == []
    finish(controller)


def counting_down(qtbot, places, phone, idle_timeout_s: float, countdown_s: float):
    """The kiosk on the ready screen, left untouched until its countdown shows."""
    view, controller = open_kiosk(qtbot, write_config(places), "--connect", phone.address,
                                  idle_timeout_s=idle_timeout_s, countdown_s=countdown_s, poll_ms=200)
    reach_ready(qtbot, view, controller)
    qtbot.waitUntil(lambda: view.countdown.isVisible(), timeout=5000)
    return view, controller


def test_the_idle_timeout_counts_down_a_touch_cancels_it_and_then_it_resets(qtbot, confined, phone):
    view, controller = counting_down(qtbot, confined, phone, 2.5, 1.5)
    assert "Starting again in" in view.countdown_text.text()
    qtbot.mouseClick(view.phone_text, Qt.MouseButton.LeftButton)  # a touch anywhere
    assert not view.countdown.isVisible() and controller.stage == "phone"
    qtbot.waitUntil(lambda: controller.stage == "welcome", timeout=6000)
    assert view.notice.text() == "Nobody touched the screen for a while, so the kiosk started again. Nothing was kept."
    assert controller.session is None and "SM-A405FN" not in every_text(view)
    # The phone stays plugged in: it is not taken for the next person's until it is unplugged.
    qtbot.wait(600)
    assert controller.stage == "welcome" and len(controller.ignored) == 1
    assert not any("R58M" in kept or "127.0.0.1" in kept for kept in controller.ignored)  # kept as a keyed hash only
    finish(controller)


def test_a_touch_on_the_countdowns_button_cancels_it(qtbot, confined, phone):
    view, controller = counting_down(qtbot, confined, phone, 3, 2.5)
    qtbot.mouseClick(view.stay_button, Qt.MouseButton.LeftButton)
    assert not view.countdown.isVisible()
    assert controller.stage == "phone"
    finish(controller)


def test_start_over_while_the_iphone_asks_removes_the_pairing_it_then_gets(qtbot, confined, monkeypatch):
    from tests.iphone_standin import IphoneStandIns, StandInIphone

    stand_ins = IphoneStandIns(confined["etc"] / "iphones", [StandInIphone(paired=False, trust="tap")])
    monkeypatch.setenv("PATH", stand_ins.path + ":/usr/bin:/bin")
    view, controller = open_kiosk(qtbot, write_config(confined), poll_ms=200)
    qtbot.waitUntil(lambda: view.phone_heading.text() == "Tap Trust on your iPhone or iPad", timeout=10000)
    qtbot.mouseClick(view.start_over_button, Qt.MouseButton.LeftButton)
    assert controller.stage == "welcome"
    # Trust is tapped after the session ended: the pairing it made is removed, not kept.
    qtbot.waitUntil(lambda: not controller.background.has_work(), timeout=20000)  # the connection, then its release
    pairing = [call for call in stand_ins.calls if call[:1] == ["idevicepair"]]
    assert pairing[-1] == ["idevicepair", "-u", stand_ins.device()["udid"], "unpair"]
    assert stand_ins.device()["paired"] is False and controller.session is None
    finish(controller)


def test_unplugging_mid_check_resets_cleanly(qtbot, confined):
    standin = StandInPhone(packages=[PhonePackage("com.tencent.mm")], allow_delay=0.2)
    standin.serve()
    try:
        view, controller = open_kiosk(qtbot, write_config(confined), "--connect", standin.address, poll_ms=150)
        reach_ready(qtbot, view, controller)
        qtbot.mouseClick(view.personal_button, Qt.MouseButton.LeftButton)
        assert controller.stage == "checking" and controller.busy is not None  # the check has started
        standin.close()  # unplugged now
    finally:
        standin.close()
    qtbot.waitUntil(lambda: controller.stage == "welcome", timeout=20000)
    # Seen by the check itself, or by the kiosk looking whether the phone is still there: either way, said.
    assert view.notice.text() in ("The phone was unplugged before the check ended, so the kiosk started again. Nothing was kept.",
                                  "The phone was unplugged, so the kiosk started again. Nothing was kept.")
    assert (controller.session, controller.result) == (None, None)
    assert controller.busy is None and "SM-A405FN" not in every_text(view)
    finish(controller)


@pytest.fixture
def on_the_results_page(qtbot, confined):
    """A phone with WeChat, checked, its results shown; the stand-in is closed (unplugged) by the test."""
    standin = StandInPhone(packages=[PhonePackage("com.tencent.mm")], allow_delay=0.2)
    standin.serve()
    view, controller = open_kiosk(qtbot, write_config(confined), "--connect", standin.address, poll_ms=150)
    reach_ready(qtbot, view, controller)
    qtbot.mouseClick(view.issued_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.stage == "results", timeout=30000)
    yield standin, view, controller
    standin.close()


def test_unplugging_on_the_results_page_resets(qtbot, on_the_results_page):
    standin, view, controller = on_the_results_page
    standin.close()
    qtbot.waitUntil(lambda: controller.stage == "welcome", timeout=10000)
    assert view.notice.text() == "The phone was unplugged, so the kiosk started again. Nothing was kept."
    assert view.verdict_text.text() == "" and view.code.text() == ""
    texts = every_text(view)
    assert "WeChat" not in texts and "R5…6X" not in texts and "SM-A405FN" not in texts
    finish(controller)


def test_unplugging_on_before_you_go_resets(qtbot, on_the_results_page):
    standin, view, controller = on_the_results_page
    qtbot.mouseClick(view.done_button, Qt.MouseButton.LeftButton)
    assert controller.stage == "closing"
    standin.close()
    qtbot.waitUntil(lambda: controller.stage == "welcome", timeout=10000)
    assert view.closing_text.text() == ""
    finish(controller)


def test_the_close_shortcuts_do_nothing_and_the_window_is_a_kiosk(qtbot, confined):
    view, controller = open_kiosk(qtbot, write_config(confined))
    view.showFullScreen()
    assert view.windowState() & Qt.WindowState.WindowFullScreen
    assert view.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert not view.findChildren(QMenuBar) and not view.actions()
    for key, modifiers in ((Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier), (Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier),
                           (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier), (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)):
        qtbot.keyClick(view, key, modifiers)
        assert view.isVisible() and controller.stage == "welcome"
    assert view.close() is False and view.isVisible()
    finish(controller)


def test_every_text_for_people_is_at_least_one_and_a_half_times_the_windows(qtbot, confined):
    view, controller = open_kiosk(qtbot, write_config(confined))
    window_size = QApplication.font().pointSizeF()
    controller.ask_pin()  # the staff's prompt too
    texts = [*view.findChildren(QLabel), *view.findChildren(QAbstractButton), *view.findChildren(QPlainTextEdit),
             *view.findChildren(QLineEdit)]
    small = [(w.objectName(), w.font().pointSizeF()) for w in texts
             if w.objectName() not in ("staffNote", "logo", "qr") and w.font().pointSizeF() < 1.5 * window_size]
    assert small == [] and len(texts) > 60
    finish(controller)


def press_staff_exit(qtbot, view) -> None:
    qtbot.keyClick(view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier)


def type_pin(qtbot, prompt, pin: str) -> None:
    for digit in pin:
        next(b for b in prompt.digit_buttons if b.text() == digit).click()
    qtbot.mouseClick(prompt.ok_button, Qt.MouseButton.LeftButton)


def test_the_staff_pin_exits_and_three_wrong_pins_lock_the_prompt(qtbot, confined):
    view, controller = open_kiosk(qtbot, write_config(confined))
    left = []
    controller.left.connect(lambda: left.append(True))
    press_staff_exit(qtbot, view)
    prompt = controller.pin_prompt
    assert prompt is not None and prompt.heading.text() == "Staff only: type the kiosk's PIN to leave it"
    for attempt in range(2):
        type_pin(qtbot, prompt, "1111")
        qtbot.waitUntil(lambda: prompt.ok_button.isEnabled(), timeout=10000)
        assert prompt.message.text() == "That is not the staff PIN."
    type_pin(qtbot, prompt, "2222")
    qtbot.waitUntil(lambda: prompt.ok_button.isEnabled(), timeout=10000)
    assert prompt.message.text() == "Too many wrong PINs: try again in 60 seconds."
    type_pin(qtbot, prompt, PIN)  # even the right PIN, while locked
    qtbot.waitUntil(lambda: prompt.ok_button.isEnabled(), timeout=10000)
    assert prompt.message.text().startswith("Too many wrong PINs") and not left
    controller.pin_gate.locked_until = 0.0  # the minute has passed
    type_pin(qtbot, prompt, PIN)
    qtbot.waitUntil(lambda: bool(left), timeout=10000)
    assert not view.isVisible() and view.closing_allowed


def test_without_a_pin_the_prompt_says_the_kiosk_cannot_be_left_from_the_screen(qtbot, confined):
    config = write_config(confined)
    config.write_text("\n".join(line for line in config.read_text().splitlines() if not line.startswith("pin_hash")) + "\n")
    view, controller = open_kiosk(qtbot, config)
    press_staff_exit(qtbot, view)
    prompt = controller.pin_prompt
    assert prompt.message.text().startswith("No staff PIN is set in this kiosk's configuration")
    assert not prompt.ok_button.isEnabled()
    prompt.reject()
    finish(controller)


def test_french_throughout_and_back_to_the_first_language_for_the_next_person(qtbot, confined, phone):
    view, controller = open_kiosk(qtbot, write_config(confined), "--connect", phone.address, poll_ms=200)
    qtbot.mouseClick(view.french, Qt.MouseButton.LeftButton)
    reach_ready(qtbot, view, controller)
    assert view.phone_heading.text() == "Votre téléphone est branché"
    assert view.issued_button.text() == "Oui, mon organisation me l’a remis"
    qtbot.mouseClick(view.issued_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.stage == "results", timeout=30000)
    assert view.verdict_heading.text() == "Une application interdite est sur votre téléphone"
    assert view.cards.itemAt(0).widget().toggle.text() == "En savoir plus"
    assert view.organisation.text() == "Secrétariat du Conseil du Trésor"
    qtbot.mouseClick(view.english, Qt.MouseButton.LeftButton)  # switched back, on the same page
    assert view.verdict_heading.text() == "A prohibited app is on your phone"
    qtbot.mouseClick(view.french, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(view.done_button, Qt.MouseButton.LeftButton)
    assert "Révoquer les autorisations de débogage USB" in view.closing_text.text()
    qtbot.mouseClick(view.closing_done, Qt.MouseButton.LeftButton)
    assert view.welcome_heading.text() == "Check your phone for prohibited apps" and view.english.isChecked()
    finish(controller)


def test_the_receipts_qr_code_reads_back_as_the_reference_code(qtbot, confined, phone, tmp_path):
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        pytest.skip("zbarimg (Debian's zbar-tools) reads the QR code back; it is not installed")
    view, controller = open_kiosk(qtbot, write_config(confined), "--connect", phone.address, poll_ms=200)
    reach_ready(qtbot, view, controller)
    qtbot.mouseClick(view.issued_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.stage == "results", timeout=30000)
    image = tmp_path / "receipt.png"
    assert view.qr.pixmap().save(str(image))
    read = subprocess.run([zbarimg, "--raw", "-q", str(image)], capture_output=True, text=True, check=True)
    assert read.stdout.strip() == controller.result.reference
    finish(controller)


def test_an_iphone_session_ends_with_its_pairing_removed(qtbot, confined, monkeypatch):
    from tests.iphone_standin import IphoneStandIns, StandInIphone

    stand_ins = IphoneStandIns(confined["etc"] / "iphones", [StandInIphone(paired=False, trust="tap", apps=[
        ["com.tencent.xin", "8.0.50", "WeChat"]])])
    monkeypatch.setenv("PATH", stand_ins.path + ":/usr/bin:/bin")
    view, controller = open_kiosk(qtbot, write_config(confined), poll_ms=200)
    reach_ready(qtbot, view, controller)
    assert view.phone_text.text().startswith("iPhone14,5. ")  # its model, never the name the owner gave it
    qtbot.mouseClick(view.issued_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.stage == "results", timeout=30000)
    assert view.verdict_text.text() == "1 prohibited application found."
    qtbot.mouseClick(view.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.removal is not None, timeout=10000)
    walk_through(qtbot, controller.removal)
    qtbot.mouseClick(view.removal.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.stage == "results" and controller.removal is None, timeout=30000)
    assert (view.verdict_heading.text(), stand_ins.device()["apps"]) == ("All clear", []), (controller.stage, view.phone_text.text())
    qtbot.mouseClick(view.done_button, Qt.MouseButton.LeftButton)
    # Said once idevicepair has answered, and only when it removed the pairing.
    qtbot.waitUntil(lambda: view.closing_text.text() == "Your iPhone or iPad no longer trusts this kiosk: its pairing has been removed. "
                    "You can unplug it now.", timeout=10000)
    assert ["idevicepair", "-u", stand_ins.device()["udid"], "unpair"] in stand_ins.calls
    assert stand_ins.device()["paired"] is False
    assert stand_ins.homes == {str(confined["state"] / "home")}  # libimobiledevice's programs keep nothing under HOME
    assert "Ana’s iPhone" not in every_text(view)
    qtbot.mouseClick(view.closing_done, Qt.MouseButton.LeftButton)
    finish(controller)


def test_a_broken_configuration_starts_with_the_defaults_and_tells_the_staff_in_a_corner(qtbot, confined):
    places = confined
    config = places["etc"] / "kiosk.toml"
    config.write_text(f'[kiosk]\nstate_folder = "{places["state"]}"\nidle_timeout_s = 5\n')
    view, controller = open_kiosk(qtbot, config)
    assert view.staff_note.isVisible()
    assert view.staff_note.text().startswith(
        f"For the staff: {config}: idle_timeout_s must be a whole number of seconds from 30 to 3600 (it includes the 15-second countdown)")
    assert view.plug_in.text() == "Plug in your phone to start." and controller.idle_timeout_s == 120
    assert view.organisation.text() == "AppWarden"
    finish(controller)


def test_the_kiosk_self_check_runs_a_whole_session_against_a_capture(places, tmp_path):
    from tests.core.sources.android.test_phone_captures_scanned import capture_with

    config = write_config(places)
    folder = capture_with(tmp_path, "com.tencent.mm")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "APPWARDEN_LANG": "en"}
    ran = subprocess.run([*KIOSK_PROGRAM, "--kiosk", "--config", str(config), "--self-check",
                          "--phone-capture", str(folder)], capture_output=True, text=True, env=env, timeout=180)
    assert (ran.returncode, ran.stdout) == (0, "Kiosk self-check passed: 1 prohibited application found.\n"), ran.stderr
    counts = (places["state"] / "daily-counts.json").read_text()
    assert '"wechat": 1' in counts
    broken = subprocess.run([*KIOSK_PROGRAM, "--kiosk", "--config", str(config), "--self-check",
                             "--phone-capture", str(tmp_path / "nothing-here")], capture_output=True, text=True, env=env, timeout=180)
    assert broken.returncode == 1
    assert f"Kiosk self-check failed: {tmp_path / 'nothing-here'} cannot be read as a capture of a phone" in broken.stderr


def test_the_organisations_logo_is_shown_beside_its_name(qtbot, confined):
    from PySide6.QtGui import QColor, QImage

    logo = confined["etc"] / "logo.png"
    image = QImage(120, 60, QImage.Format.Format_RGB32)
    image.fill(QColor("#1f5fbf"))
    assert image.save(str(logo))
    view, controller = open_kiosk(qtbot, write_config(confined, logo=f'"{logo}"'))
    assert view.logo.isVisibleTo(view) and not view.logo.pixmap().isNull()
    assert view.logo.pixmap().height() > 0 and view.organisation.text() == "Treasury Board Secretariat"
    finish(controller)


def test_without_a_policy_pack_in_force_the_kiosk_asks_people_to_see_the_staff(qtbot, confined):
    view, controller = open_kiosk_without_waiting(qtbot, write_config(confined, default_pack="false"))
    qtbot.waitUntil(lambda: controller.startup_problem is not None, timeout=10000)
    assert view.plug_in.text() == "This kiosk cannot check phones at the moment. Please ask the staff."
    assert view.staff_note.isVisible() and "No policy pack is loaded" in view.staff_note.text()
    assert not view.looking.isVisible()
    finish(controller)


def test_a_phone_that_never_allows_gets_the_reason_and_try_again(qtbot, confined):
    with StandInPhone(allow="never") as silent:
        view, controller = open_kiosk(qtbot, write_config(confined), "--connect", silent.address, "--allow-wait", "1",
                                      poll_ms=200)
        qtbot.waitUntil(lambda: view.retry_button.isVisible(), timeout=15000)
        assert view.phone_heading.text() == "The phone did not allow this kiosk in"
        assert "did not allow USB debugging within 1 second" in view.phone_text.text()
        qtbot.mouseClick(view.french, Qt.MouseButton.LeftButton)  # the reason is said again in French
        assert "n’a pas autorisé le débogage USB" in view.phone_text.text(), view.phone_text.text()
        finish(controller)
