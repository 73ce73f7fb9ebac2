"""Qt's setup in the self-contained build's console program, done when it opens the window.

The window program runs PySide6's runtime hook at start; the console program leaves it out (so
that `appwarden scan` does not load Qt) and calls prepare_qt() before it first imports Qt. What
it sets is what the hook sets (PyInstaller's hooks/rthooks/pyi_rth_pyside6.py): where Qt's plugins
and QML files are, and an embedded qt.conf that makes the bundled Qt find itself.
"""

from __future__ import annotations

import os
import sys


def prepare_qt() -> None:
    """In the bundle's console program, before Qt is imported: as PySide6's runtime hook does."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is None or "PySide6" in sys.modules or os.environ.get("QT_PLUGIN_PATH", "").startswith(bundle):
        return  # not the bundle, or the hook already ran (the window program)
    from _pyi_rth_utils import prepend_path_to_environment_variable
    from _pyi_rth_utils import qt as qt_rth_utils

    qt_rth_utils.ensure_single_qt_bindings_package("PySide6")
    qt_path = os.path.join(bundle, "PySide6") if sys.platform.startswith("win") else os.path.join(bundle, "PySide6", "Qt")
    os.environ["QT_PLUGIN_PATH"] = os.path.join(qt_path, "plugins")
    os.environ["QML2_IMPORT_PATH"] = os.path.join(qt_path, "qml")
    if sys.platform.startswith("win"):
        prepend_path_to_environment_variable(bundle, "PATH")
    if sys.platform == "darwin":
        prepend_path_to_environment_variable(bundle, "DYLD_LIBRARY_PATH")
    qt_rth_utils.create_embedded_qt_conf("PySide6", qt_path)
