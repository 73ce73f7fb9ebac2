"""Disks and windows for the window tests: real scans of fixture roots, offscreen."""

from __future__ import annotations

import os
from pathlib import Path

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

    from gui.app import make_window
    from gui.launcher import window_arguments

    view, controller = make_window(window_arguments(list(argv)), QApplication.instance())
    qtbot.addWidget(view)
    view.show()
    controller.start()
    qtbot.waitUntil(lambda: controller.startup is not None or controller.view.banner_text.text() == "Something went wrong.", timeout=10000)
    return view, controller


def check_and_wait(qtbot, controller) -> None:
    from PySide6.QtCore import Qt

    qtbot.mouseClick(controller.view.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.task is not None and controller.task.done, timeout=60000)
