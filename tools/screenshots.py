"""Screenshots of the window in its main states, for people to look at (and for the README).

    python tools/screenshots.py [OUTPUT_FOLDER]      (default: docs/screenshots)

Runs the real window on Qt's offscreen platform against fixture disks it builds in a temporary
folder: the empty state, a compliant result, a result with findings, the detail pane, help-desk
details, the French window with its export dialog, and this device checked by an ordinary account.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from PySide6.QtCore import QEventLoop  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from appwarden.gui.app import make_window  # noqa: E402
from appwarden.gui.launcher import window_arguments  # noqa: E402
from tests.gui.window_fixtures import linux_disk  # noqa: E402

CLEAN = "Package: vim\nStatus: install ok installed\nVersion: 2:9.0\nArchitecture: amd64\n\n"


def settle(app: QApplication, seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def window(app: QApplication, *argv: str):
    view, controller = make_window(window_arguments(list(argv)), app)
    view.resize(1180, 820)
    view.show()
    controller.start()
    while controller.startup is None:
        settle(app, 0.05)
    settle(app)
    return view, controller


def check(app: QApplication, controller) -> None:
    controller.check()
    while controller.task is None or not controller.task.done:
        settle(app, 0.05)
    settle(app)


def save(view, folder: Path, name: str) -> None:
    path = folder / f"{name}.png"
    view.grab().save(str(path))
    print(path)


def save_dialog(app: QApplication, view, open_dialog, name: str, folder: Path, file_name: str) -> None:
    from PySide6.QtWidgets import QDialog

    open_dialog()
    while view.findChild(QDialog, name) is None:
        settle(app, 0.05)
    settle(app)
    dialog = view.findChild(QDialog, name)
    save(dialog, folder, file_name)
    dialog.reject()
    dialog.setObjectName("")


def save_export_dialog(app: QApplication, controller, folder: Path, file_name: str) -> None:
    """File > Export report, as the person sees it, then closed unanswered (nothing is written)."""
    from PySide6.QtCore import QTimer

    def grab_when_open() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(50, grab_when_open)
            return
        dialog.resize(900, 560)
        settle(app)
        save(dialog, folder, file_name)
        dialog.reject()

    QTimer.singleShot(50, grab_when_open)
    controller.export()  # returns once the dialog is closed


def record_interrupted_step() -> None:
    """A removal step that started and never finished, as after a crash: History shows it."""
    from appwarden.core.history import ActionRecord, HistoryStore

    HistoryStore().record_action(
        ActionRecord("wechat", "uninstall:dpkg:wechat", "uninstall", "started", ("apt-get", "remove", "-y", "wechat"))
    )


def save_refused_step(app: QApplication, view, controller, folder: Path, file_name: str) -> None:
    """The removal page of a leftover that AppWarden will not delete (reached through a link)."""
    from PySide6.QtWidgets import QDialog

    controller.show_removal()
    while view.findChild(QDialog, "removalDialog") is None or getattr(controller, "removal", None) is None:
        settle(app, 0.05)
    removal = controller.removal
    removal.index = next(i for i, step in enumerate(removal.plan.steps) if step.refused is not None and step.kind == "leftovers")
    removal.show_current()
    settle(app)
    dialog = view.findChild(QDialog, "removalDialog")
    save(dialog, folder, file_name)
    dialog.reject()
    dialog.setObjectName("")


def high_contrast_dark() -> "QPalette":
    """A dark, high-contrast palette like the desktops' accessibility themes: white on black,
    yellow highlight."""
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette()
    roles = QPalette.ColorRole
    for role, colour in (
        (roles.Window, "#000000"), (roles.WindowText, "#ffffff"), (roles.Base, "#000000"), (roles.AlternateBase, "#1a1a1a"),
        (roles.Text, "#ffffff"), (roles.Button, "#000000"), (roles.ButtonText, "#ffffff"), (roles.Highlight, "#ffff00"),
        (roles.HighlightedText, "#000000"), (roles.Mid, "#c0c0c0"), (roles.Midlight, "#808080"), (roles.Link, "#80c0ff"),
        (roles.ToolTipBase, "#000000"), (roles.ToolTipText, "#ffffff"), (roles.PlaceholderText, "#c0c0c0"),
    ):
        palette.setColor(role, QColor(colour))
    return palette


def save_in_system_look(app: QApplication, disk: Path, folder: Path, name: str, lang: str, font_scale: float = 1.0, palette=None) -> None:
    """The findings with help-desk details, as a person with a larger system font or a dark,
    high-contrast theme sees them; the application's font and palette are restored after."""
    font, original_palette = app.font(), app.palette()
    larger = type(font)(font)
    larger.setPointSizeF(font.pointSizeF() * font_scale)
    app.setFont(larger)
    if palette is not None:
        app.setPalette(palette)
    try:
        view, controller = window(app, "--root", str(disk), "--lang", lang)
        check(app, controller)
        view.helpdesk_toggle.setChecked(True)
        settle(app)
        save(view, folder, name)
        view.close()
        controller.background.wait(5000)
    finally:
        app.setFont(font)
        app.setPalette(original_palette)


def save_ordinary_account(app: QApplication, folder: Path, name: str, lang: str, offer_pkexec: bool = True,
                          declined: str = "") -> None:
    """This device as an employee's ordinary account checks it: run as root (as here), the check runs
    as the unprivileged account appwarden-test, with a history folder of its own.

    The window offers Check all accounts where pkexec is installed. This machine has none: with
    `offer_pkexec`, a stand-in on PATH shows the offer as a desktop with polkit has it (and, with
    `declined`, the window after the person declined its prompt: the stand-in ends as pkexec then
    does); without, the window says how an administrator checks instead, as on macOS.
    """
    saved_path = os.environ["PATH"]
    stand_in = Path(tempfile.mkdtemp(prefix="appwarden-shots-bin-"))
    stand_in.chmod(0o755)
    if offer_pkexec:
        (stand_in / "pkexec").write_text("#!/bin/sh\nexit 126\n")
        (stand_in / "pkexec").chmod(0o755)
    os.environ["PATH"] = f"{stand_in}{os.pathsep}{saved_path}"
    try:
        _save_ordinary_account(app, folder, name, lang, declined)
    finally:
        os.environ["PATH"] = saved_path
        shutil.rmtree(stand_in)


def _save_ordinary_account(app: QApplication, folder: Path, name: str, lang: str, declined: str) -> None:
    from tests.core.history.other_account import second_account, shared_folder
    from tests.gui.window_fixtures import check_as_ordinary_account, history_of_ordinary_account

    if os.geteuid() != 0:  # already an ordinary account: its own check is the state
        view, controller = window(app, "--lang", lang)
        check(app, controller)
    else:
        account, saved = second_account(), os.environ["XDG_DATA_HOME"]
        with shared_folder() as data:
            os.chown(data, account.uid, account.gid)
            history_of_ordinary_account(data)
            view, controller = window(app, "--lang", lang)
            check_as_ordinary_account(lambda: check(app, controller))
            os.environ["XDG_DATA_HOME"] = saved
    save(view, folder, name)
    if declined:
        controller.check_all_accounts()
        while not controller.task.done:
            settle(app, 0.05)
        settle(app)
        save(view, folder, declined)
    view.close()
    controller.background.wait(5000)


def mac_disk(root: Path) -> Path:
    """A Mac's disk, mounted, that names itself "Ana’s MacBook Pro", with nothing prohibited on it."""
    import plistlib

    (root / "System/Library/CoreServices").mkdir(parents=True)
    (root / "System/Library/CoreServices/SystemVersion.plist").write_bytes(plistlib.dumps({"ProductVersion": "14.5"}))
    (root / "Library/Preferences/SystemConfiguration").mkdir(parents=True)
    preferences = {"System": {"System": {"ComputerName": "Ana\u2019s MacBook Pro"}}}
    (root / "Library/Preferences/SystemConfiguration/preferences.plist").write_bytes(plistlib.dumps(preferences))
    (root / "Applications").mkdir()
    return root


def save_named_mac_disk(app: QApplication, disk: Path, folder: Path, name: str) -> None:
    view, controller = window(app, "--root", str(disk), "--lang", "en")
    check(app, controller)
    save(view, folder, name)
    view.close()
    controller.background.wait(5000)


def arch_disk(root: Path) -> Path:
    """An Arch Linux disk where WeChat came from the AUR (wechat-bin, its program linked from
    /usr/bin) and Kaspersky's service and root certificate outlived the package."""
    (root / "etc").mkdir(parents=True)
    (root / "etc/os-release").write_text("ID=arch\nNAME=\"Arch Linux\"\n")
    package = root / "var/lib/pacman/local/wechat-bin-4.0.1.11-1"
    package.mkdir(parents=True)
    (package / "desc").write_text("%NAME%\nwechat-bin\n\n%VERSION%\n4.0.1.11-1\n\n%DESC%\nWeChat (Weixin) for Linux\n\n"
                                  "%PACKAGER%\nUnknown Packager\n\n")
    (package / "files").write_text("%FILES%\nopt/\nopt/wechat/\nopt/wechat/wechat\nusr/bin/wechat\n\n")
    (root / "opt/wechat").mkdir(parents=True)
    (root / "opt/wechat/wechat").write_bytes(b"\x7fELF")
    (root / "usr/lib/systemd/system").mkdir(parents=True)
    (root / "usr/lib/systemd/system/kesl.service").write_text(
        "[Unit]\nDescription=Kaspersky Endpoint Security for Linux\n[Service]\nExecStart=/opt/kaspersky/kesl/libexec/kesl_launcher.sh\n")
    (root / "home/ana").mkdir(parents=True)
    return root


def save_install_shapes(app: QApplication, disk: Path, folder: Path) -> None:
    for lang, name in (("en", "47-arch-linux-install-shapes"), ("fr", "48-arch-linux-install-shapes-french")):
        view, controller = window(app, "--root", str(disk), "--lang", lang)
        check(app, controller)
        controller.view.findings_list.setCurrentIndex(controller.findings.index(0))
        settle(app)
        bar = view.detail.verticalScrollBar()
        bar.setValue(bar.maximum())  # what was found, and where: the package and the program it installed
        settle(app)
        save(view, folder, name)
        view.close()
        controller.background.wait(5000)


def save_opened_report(app: QApplication, sent_from: Path, here: Path, folder: Path, name: str, lang: str) -> None:
    """A report an employee sent (their check of `sent_from`, exported as JSON), opened by a help desk
    whose own window checks `here`: shown as the employee saw it, read-only."""
    sender, sender_controller = window(app, "--root", str(sent_from), "--lang", "en")
    check(app, sender_controller)
    report = Path(os.environ["XDG_DATA_HOME"]).parent / f"sent-{lang}.json"
    sender_controller.export_to(report, "json")
    sender.close()
    sender_controller.background.wait(5000)
    view, controller = window(app, "--root", str(here), "--lang", lang)
    controller.open_report_file(report)
    while controller.received is None:
        settle(app, 0.05)
    settle(app)
    save(view, folder, name)
    view.close()
    controller.background.wait(5000)


def save_phone_capture(app: QApplication, scratch: Path, folder: Path) -> None:
    """The window on a phone capture with WeChat in it (the real AndroidQF capture, WeChat added),
    in English and French; skipped when ../shared is not beside this checkout."""
    from tests.conftest import SHARED

    if not (SHARED / "fixtures/phones/android").is_dir():
        return
    from tests.core.sources.android.test_phone_captures_scanned import capture_with

    (scratch / "phone").mkdir()
    capture = capture_with(scratch / "phone", "com.tencent.mm")
    from tests.core.sources.ios.backups import backup_with

    backup = backup_with(scratch / "iphone", installed=["com.tencent.xin"], data_of=["com.kaspersky.safekids"],
                         metadata={"com.tencent.xin": ("WeChat", "8.0.50")})
    for captured, lang, name in ((capture, "en", "23-phone-capture"), (capture, "fr", "24-phone-capture-french"),
                                 (backup, "en", "39-iphone-backup"), (backup, "fr", "40-iphone-backup-french")):
        view, controller = window(app, "--phone-capture", str(captured), "--lang", lang)
        check(app, controller)
        save(view, folder, name)
        view.close()
        controller.background.wait(5000)


def check_a_phone_saving(app: QApplication, view, controller, folder: Path, names) -> None:
    """Check a phone… as a person goes through it, saving the dialog while the phone asks (Allow or
    Trust) and once it is ready, then the window with the result."""
    controller.check_a_phone()
    while getattr(controller, "phone_dialog", None) is None:
        settle(app, 0.05)
    flow = controller.phone_dialog
    for state in ("asking", "ready"):
        while flow.state != state:
            settle(app, 0.02)
        settle(app, 0.1)
        save(flow.dialog, folder, next(names))
    flow.dialog.issued.setChecked(True)
    flow.check()
    while controller.result is None or not controller.task.done:
        settle(app, 0.05)
    settle(app)
    save(view, folder, next(names))


def save_phone_flow(app: QApplication, folder: Path) -> None:
    """Check a phone, each state the person sees, in English and French: plugging in, the Allow
    prompt, ready with the ownership question, the result, a removal step on the phone, the person's
    own files, and the re-check with how to turn USB debugging off. The phone is the stand-in that
    speaks ADB on 127.0.0.1 (tests/phone_standin.py); skipped when ../shared is not beside this checkout."""
    from tests.conftest import SHARED

    if not (SHARED / "fixtures/phones/android").is_dir():
        return
    from tests.phone_standin import PhonePackage, StandInPhone

    for lang, first in (("en", 25), ("fr", 32)):
        names = iter(f"{first + n}-phone-{state}{'-french' if lang == 'fr' else ''}" for n, state in enumerate(
            ("plug-in", "allow", "ready", "result", "removal-step", "own-files", "rechecked")))
        view, controller = window(app, "--lang", lang)
        controller.check_a_phone()
        while getattr(controller, "phone_dialog", None) is None:
            settle(app, 0.05)
        dialog = controller.phone_dialog.dialog
        settle(app, 1.0)
        save(dialog, folder, next(names))
        dialog.reject()
        phone = StandInPhone(packages=[PhonePackage("com.tencent.mm", version_name="8.0.49", running=True),
                                       PhonePackage("com.tencent.wework")],
                             shared_storage={"/storage/emulated/0/tencent/MicroMsg": 1_250_000}, allow_delay=2.5)
        with phone:
            view.close()
            view, controller = window(app, "--lang", lang, "--connect", phone.address)
            check_a_phone_saving(app, view, controller, folder, names)
            controller.show_removal()
            while getattr(controller, "removal", None) is None:
                settle(app, 0.05)
            removal = controller.removal
            from appwarden.core.removal.model import StepKind

            for kind, name in ((StepKind.UNINSTALL, next(names)), (StepKind.LEFTOVERS, next(names))):
                while True:
                    if removal.step.kind == kind and removal.dialog.do_button.isVisible():
                        break
                    for button in (removal.dialog.next_button, removal.dialog.do_button):
                        if button.isVisible() and button.isEnabled():
                            button.click()
                            break
                    settle(app, 0.1)
                settle(app)
                save(removal.dialog, folder, name)
            while removal.finished_verification is None:
                for button in (removal.dialog.next_button, removal.dialog.do_button, removal.dialog.done_button):
                    if button.isVisible() and button.isEnabled():
                        button.click()
                        break
                settle(app, 0.1)
            removal.dialog.close_button.click()
            while not controller.task.done or controller.result.findings:
                settle(app, 0.05)
            settle(app)
            save(view, folder, next(names))
            view.close()
            controller.background.wait(5000)


def save_iphone_flow(app: QApplication, scratch: Path, folder: Path) -> None:
    """Check a phone with an iPhone plugged in, English and French: tap Trust, ready, the result.
    libimobiledevice's programs are the tests' stand-ins (tests/iphone_standin.py) on PATH."""
    from tests.iphone_standin import IphoneStandIns, StandInIphone

    for lang, first in (("en", 41), ("fr", 44)):
        names = iter(f"{first + n}-iphone-{state}{'-french' if lang == 'fr' else ''}" for n, state in enumerate(("trust", "ready", "result")))
        stand_ins = IphoneStandIns(scratch / f"iphones-{lang}", [StandInIphone(paired=False, trust="tap", apps=[
            ["com.tencent.xin", "8.0.50", "WeChat"], ["com.tencent.ww", "4.1", "WeCom"]])])
        path = os.environ["PATH"]
        os.environ["PATH"] = stand_ins.path + os.pathsep + path
        try:
            view, controller = window(app, "--lang", lang)
            check_a_phone_saving(app, view, controller, folder, names)
            view.close()
            controller.background.wait(5000)
        finally:
            os.environ["PATH"] = path


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else PROJECT / "docs" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="appwarden-shots-") as scratch:
        scratch_path = Path(scratch)
        os.environ["XDG_DATA_HOME"] = str(scratch_path / "data")
        os.environ["XDG_CONFIG_HOME"] = str(scratch_path / "config")
        found = linux_disk(scratch_path / "found")
        (found / "home/ana/.xwechat").mkdir(parents=True)
        # Bob's Documents is a link to Ana's: the plan refuses to delete through it.
        (found / "home/ana/Documents/xwechat_files").mkdir(parents=True)
        (found / "home/bob").mkdir(parents=True)
        (found / "home/bob/Documents").symlink_to("/home/ana/Documents")
        clean = linux_disk(scratch_path / "clean", status=CLEAN)
        app = QApplication.instance() or QApplication(sys.argv[:1])

        view, controller = window(app, "--root", str(clean), "--lang", "en")
        save(view, folder, "1-empty")
        check(app, controller)
        save(view, folder, "2-compliant")
        view.close()

        view, controller = window(app, "--root", str(found), "--lang", "en")
        check(app, controller)
        save(view, folder, "3-findings")
        controller.view.findings_list.setCurrentIndex(controller.findings.index(1))
        settle(app)
        save(view, folder, "4-detail")
        view.helpdesk_toggle.setChecked(True)
        controller.view.findings_list.setCurrentIndex(controller.findings.index(0))
        settle(app)
        save(view, folder, "5-helpdesk")
        record_interrupted_step()
        save_dialog(app, view, controller.show_history, "historyDialog", folder, "7-history")
        save_dialog(app, view, controller.show_settings, "settingsDialog", folder, "8-settings")
        controller.view.findings_list.setCurrentIndex(controller.findings.index(0))
        save_dialog(app, view, controller.show_removal, "removalDialog", folder, "9-removal")
        save_refused_step(app, view, controller, folder, "10-removal-refused")
        view.close()

        view, controller = window(app, "--root", str(found), "--lang", "fr")
        check(app, controller)
        save(view, folder, "6-french")
        save_refused_step(app, view, controller, folder, "11-removal-refused-french")
        save_export_dialog(app, controller, folder, "12-export-french")
        view.close()
        controller.background.wait(5000)

        save_in_system_look(app, found, folder, "13-larger-system-font", "en", font_scale=1.5)
        save_in_system_look(app, found, folder, "14-high-contrast-dark-french", "fr", palette=high_contrast_dark())
        save_phone_capture(app, scratch_path, folder)
        save_phone_flow(app, folder)
        save_iphone_flow(app, scratch_path, folder)

        # An organisation's pack applies the directives to computers: AppWarden's own sentence says
        # the removal is required and names that pack.
        example = PROJECT / "assets/policies/examples/extend-to-computers.toml"
        view, controller = window(app, "--root", str(found), "--lang", "fr", "--policy", str(example))
        check(app, controller)
        save(view, folder, "15-required-by-an-organisation-french")
        view.close()
        controller.background.wait(5000)

        # An employee's ordinary account: complete for what it covers, and Check all accounts.
        save_ordinary_account(app, folder, "16-ordinary-account", "en", declined="22-ordinary-account-declined")
        save_ordinary_account(app, folder, "17-ordinary-account-french", "fr")
        save_ordinary_account(app, folder, "21-ordinary-account-without-pkexec", "en", offer_pkexec=False)

        # A help desk on the phone: a Mac's disk named by its own computer name, and a report someone sent.
        save_named_mac_disk(app, mac_disk(scratch_path / "mac"), folder, "18-mac-disk-named")
        save_opened_report(app, found, clean, folder, "19-opened-report", "en")
        save_opened_report(app, found, clean, folder, "20-opened-report-french", "fr")
        save_install_shapes(app, arch_disk(scratch_path / "arch"), folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
