"""Screenshots of every kiosk screen, at 1920×1080 and 1280×800, in English and French, for people to
look at (and for the README); and, when run as root with cage installed, the welcome screen under cage.

    python tools/kiosk_screenshots.py [OUTPUT_FOLDER]      (default: docs/screenshots/kiosk)

Runs the real kiosk on Qt's offscreen platform. The phone is the stand-in that speaks ADB on 127.0.0.1
(tests/phone_standin.py), so ../shared must be beside this checkout; the closing screen is also drawn
as it is for an iPhone.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from appwarden.core.kiosk.pin import hash_pin  # noqa: E402
from appwarden.core.kiosk.station import open_station  # noqa: E402
from appwarden.gui.kiosk_app import make_kiosk  # noqa: E402
from appwarden.gui.launcher import window_arguments  # noqa: E402

SIZES = ((1920, 1080), (1280, 800))
CURRENT: list = []  # the controller of the session being shown, to say where it stopped


def wait(app: QApplication, until, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not until():
        if time.monotonic() > deadline:
            raise SystemExit(f"the kiosk did not reach the next screen in time (at {CURRENT[0].stage if CURRENT else '?'}, "
                             f"busy={CURRENT[0].busy if CURRENT else '?'})")
        app.processEvents()
        time.sleep(0.02)
    for _ in range(20):
        app.processEvents()
        time.sleep(0.01)


def config(scratch: Path) -> Path:
    path = scratch / "kiosk.toml"
    path.write_text('[kiosk]\norganisation = { en = "Treasury Board Secretariat", fr = "Secrétariat du Conseil du Trésor" }\n'
                    'help_contact = { en = "Help desk, room 101, ext. 4357", fr = "Soutien, salle 101, poste 4357" }\n'
                    f'state_folder = "{scratch / "state"}"\npin_hash = "{hash_pin("482913", iterations=100_000)}"\n')
    return path


def session(app: QApplication, scratch: Path, folder: Path, lang: str, size: tuple[int, int], address: str, phone) -> None:
    width, height = size
    names = iter(range(1, 100))

    def save(widget, name: str) -> None:
        wait(app, lambda: True)
        suffix = "" if lang == "en" else "-french"
        widget.grab().save(str(folder / f"{width}x{height}-{next(names):02d}-{name}{suffix}.png"))

    station = open_station(config(scratch))
    view, controller = make_kiosk(window_arguments(["--kiosk", "--connect", address, "--lang", lang]), station, poll_ms=300)
    CURRENT[:] = [controller]
    view.resize(width, height)
    view.show()
    controller.start()
    wait(app, lambda: controller.policies is not None)
    controller.poll_timer.stop()  # the welcome screen first, before the phone is seen
    controller.gone_notice = None
    controller.show_welcome()
    save(view, "welcome")
    controller.poll_timer.start()
    wait(app, lambda: view.phone_heading.text() == controller.t("Tap Allow on your phone"))
    save(view, "allow")
    wait(app, lambda: view.issued_button.isVisible())
    save(view, "ready")
    view.issued_button.click()
    wait(app, lambda: controller.stage == "results")
    # The check of the stand-in takes a moment only: its screen is shown again as it was, half-way.
    controller.stage, controller._progress_source = "checking", "Android apps"
    view.checking_progress.setRange(0, 3)
    view.checking_progress.setValue(1)
    controller._show_checking()
    save(view, "checking")
    controller.stage = "results"
    controller._show_result()
    save(view, "results")
    card = view.cards.itemAt(0).widget()
    card.toggle.click()
    save(view, "more-about-this")
    card.toggle.click()
    view.remove_button.click()
    wait(app, lambda: controller.removal is not None and view.removal.do_button.isVisible())
    save(view, "removal-step")
    buttons = lambda: (view.removal.next_button, view.removal.do_button, view.removal.done_button)  # noqa: E731
    shot_own_files = False
    while controller.removal is not None and controller.removal.finished_verification is None:
        wait(app, lambda: controller.removal is None or controller.removal.finished_verification is not None
             or any(b.isVisible() and b.isEnabled() for b in buttons()))
        if controller.removal is None or controller.removal.finished_verification is not None:
            break
        if view.removal.skip_button.isDefault() and not shot_own_files:
            save(view, "removal-own-files")
            shot_own_files = True
        next(b for b in buttons() if b.isVisible() and b.isEnabled()).click()
    save(view, "removal-done")
    view.removal.close_button.click()
    wait(app, lambda: controller.stage == "results" and controller.removal is None)
    save(view, "all-clear")
    view.done_button.click()
    save(view, "closing")
    controller.poll_timer.stop()  # nobody asks whether "the iPhone" is plugged in while it is drawn
    wait(app, lambda: not controller.probing)
    android = controller.phone_key
    controller.phone_key, controller.unpaired = ("an iPhone", "iphone"), True  # the same screen, as an iPhone's session ends
    controller._show_closing()
    save(view, "closing-iphone")
    controller.phone_key = android
    controller._show_closing()
    controller.poll_timer.start()
    controller.last_touch -= controller.idle_timeout_s - 9
    wait(app, lambda: view.countdown.isVisible())
    save(view, "idle-countdown")
    view.closing_done.click()
    controller.set_language(lang)  # the next person starts in the first language: the screenshots stay in this one
    controller.ask_pin()
    prompt = controller.pin_prompt
    prompt.pin.setText("1111")
    prompt.ok_button.click()
    wait(app, lambda: prompt.ok_button.isEnabled())
    prompt.adjustSize()
    composite = view.grab()
    from PySide6.QtGui import QPainter

    painter = QPainter(composite)
    painter.drawPixmap((width - prompt.width()) // 2, (height - prompt.height()) // 2, prompt.grab())
    painter.end()
    suffix = "" if lang == "en" else "-french"
    composite.save(str(folder / f"{width}x{height}-{next(names):02d}-staff-pin{suffix}.png"))
    prompt.reject()
    controller.reset(controller.gone_notice)
    phone.close()
    wait(app, lambda: controller.stage == "welcome")
    from appwarden.core.messages import Message

    controller.gone_notice = Message.of("The phone was unplugged, so the kiosk started again. Nothing was kept.")
    controller.set_language(lang)
    save(view, "after-unplugging")
    controller.shutdown()
    controller.background.wait(10000)
    view.closing_allowed = True
    view.close()


def save_under_cage(folder: Path) -> None:
    """The welcome screen under cage, as tests/gui/test_kiosk_under_cage.py takes it (root only)."""
    import shutil

    if os.geteuid() != 0 or shutil.which("cage") is None:
        print("not under cage: needs root and cage", file=sys.stderr)
        return
    from tests.gui.test_kiosk_under_cage import cage_run

    scratch = Path(tempfile.mkdtemp(prefix="aw-cage-", dir="/tmp"))
    try:
        ran, _state = cage_run(scratch, screenshot=folder / "cage-1280x720-welcome.png")
        print(ran.stdout.strip())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> int:
    from tests.conftest import SHARED
    from tests.phone_standin import PhonePackage, StandInPhone

    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else PROJECT / "docs" / "screenshots" / "kiosk"
    folder.mkdir(parents=True, exist_ok=True)
    if not (SHARED / "fixtures/phones/android").is_dir():
        print("../shared/fixtures/phones is not beside this checkout: the stand-in phone cannot answer", file=sys.stderr)
        return 1
    app = QApplication.instance() or QApplication(sys.argv[:1])
    for size in SIZES:
        for lang in ("en", "fr"):
            with tempfile.TemporaryDirectory(prefix="appwarden-kiosk-shots-") as scratch:
                phone = StandInPhone(packages=[PhonePackage("com.tencent.mm", version_name="8.0.49", running=True),
                                               PhonePackage("com.tencent.wework")],
                                     shared_storage={"/storage/emulated/0/tencent/MicroMsg": 1_250_000}, allow_delay=1.5)
                phone.serve()
                try:
                    session(app, Path(scratch), folder, lang, size, phone.address, phone)
                finally:
                    phone.close()
    save_under_cage(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
