"""Runs inside cage as its one program, for tests/gui/test_kiosk_under_cage.py: opens the kiosk as
`appwarden-gui --kiosk --config CONFIG` does (the same station, confinement and window), waits until
cage has made it full screen and the packs are loaded, saves what the window shows (Qt's own
rendering of it, at cage's output size), prints what it saw as JSON, and leaves.

grim (a Wayland screenshot program) is not used: with Debian 12's wlroots 0.15, cage's headless
output stops presenting after its first frame ("Basic output test failed for HEADLESS-1" on every
later commit), so grim only ever shows the window as it was before cage made it full screen.

Usage: python cage_session.py CONFIG SCREENSHOT.png"""

import json
import sys
import time
from pathlib import Path

config, screenshot = sys.argv[-2], sys.argv[-1]

from appwarden.core.kiosk.station import open_station  # noqa: E402

station = open_station(Path(config))
station.confine_this_process()

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402

from appwarden.gui.app import application  # noqa: E402
from appwarden.gui.kiosk_app import make_kiosk  # noqa: E402
from appwarden.gui.launcher import window_arguments  # noqa: E402

app = application()
view, controller = make_kiosk(window_arguments(["--kiosk", "--config", config]), station)
started, seen = time.monotonic(), []


def look() -> None:
    screen = QGuiApplication.primaryScreen().size()
    ready = controller.policies is not None and view.size() == screen  # cage gives every window its whole output
    if ready:
        seen.append(view.size())
    if len(seen) >= 10 or time.monotonic() - started > 60:  # the same size for half a second, or give up
        view.grab().save(screenshot)
        print(json.dumps({"platform": QGuiApplication.platformName(), "screen": [screen.width(), screen.height()],
                          "window": [view.width(), view.height()],
                          "page": view.pages.currentWidget().objectName() or controller.stage}))
        controller.shutdown()
        view.closing_allowed = True
        app.quit()


timer = QTimer()
timer.timeout.connect(look)
timer.start(50)
view.showFullScreen()
controller.start()
app.exec()
