"""Entry script of the bundled `appwarden-gui` command (windowed), like the gui-script entry point."""

import sys

from appwarden.gui.launcher import main_window

if __name__ == "__main__":
    sys.exit(main_window())
