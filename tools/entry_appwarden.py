"""Entry script of the bundled `appwarden` command (console), like the console entry point."""

import sys

from appwarden.gui.launcher import console_main

if __name__ == "__main__":
    sys.exit(console_main())
