"""Disks and windows for the window tests: real scans of fixture roots, offscreen."""

from __future__ import annotations

import codecs
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

WECHAT_AND_KESL = (
    "Package: wechat\nStatus: install ok installed\nVersion: 4.0.1.11\nArchitecture: amd64\n"
    "Maintainer: Tencent <weixin@tencent.com>\n\n"
    "Package: kesl\nStatus: deinstall ok config-files\nVersion: 12.1.0-1234\nArchitecture: amd64\n\n"
    "Package: vim\nStatus: install ok installed\nVersion: 2:9.0\n\n"
)


def linux_disk(root: Path, status: str = WECHAT_AND_KESL, packages: int = 0) -> Path:
    """A mounted Linux disk whose dpkg database lists `status`, plus `packages` filler packages."""
    (root / "etc").mkdir(parents=True, exist_ok=True)
    (root / "etc/os-release").write_text("ID=debian\n")
    (root / "etc/hostname").write_text("desk-12\n")
    (root / "var/lib/dpkg").mkdir(parents=True, exist_ok=True)
    filler = "".join(
        f"Package: filler-{n}\nStatus: install ok installed\nVersion: 1.{n}\nArchitecture: all\n\n" for n in range(packages)
    )
    (root / "var/lib/dpkg/status").write_text(status + filler)
    return root


def open_window(qtbot, *argv: str):
    """The real window and controller for `appwarden gui ARGV`, started and ready to check."""
    from PySide6.QtWidgets import QApplication

    from appwarden.gui.app import make_window
    from appwarden.gui.launcher import window_arguments

    view, controller = make_window(window_arguments(list(argv)), QApplication.instance())
    qtbot.addWidget(view)
    view.show()
    controller.start()
    qtbot.waitUntil(
        lambda: controller.startup is not None or controller.startup_error is not None
        or controller.view.banner_text.text() == "Something went wrong.",
        timeout=10000,
    )
    return view, controller


def check_and_wait(qtbot, controller) -> None:
    from PySide6.QtCore import Qt

    qtbot.mouseClick(controller.view.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.task is not None and controller.task.done, timeout=60000)


@contextmanager
def as_ordinary_account() -> Iterator[None]:
    """The whole process (every thread) acts as the unprivileged account appwarden-test, then as root
    again: a check then meets other accounts' private homes as an employee's does. Needs root."""
    from tests.core.history.other_account import second_account

    account = second_account()
    for codec in ("utf-8-sig", "utf-16", "ascii", "latin-1"):  # the interpreter's files may be root's alone
        codecs.lookup(codec)
    os.setegid(account.gid)
    os.seteuid(account.uid)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def check_as_ordinary_account(check: Callable[[], None]) -> None:
    """`check` as an ordinary account, after a check as root has loaded every module a check needs."""
    from appwarden.core.policy.loader import load_policies
    from appwarden.core.scan import run_scan
    from appwarden.core.target import make_target

    run_scan(make_target(), load_policies())
    with as_ordinary_account():
        check()


def history_of_ordinary_account(data_home: Path) -> None:
    """The ordinary account's own history in `data_home` (its XDG_DATA_HOME from now on), made by it."""
    from appwarden.core.history import HistoryStore

    os.environ["XDG_DATA_HOME"] = str(data_home)
    with as_ordinary_account():
        HistoryStore().scans(limit=1)
