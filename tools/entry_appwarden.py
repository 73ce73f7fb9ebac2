"""Entry script of the bundled `appwarden` command (console), like the console entry point."""

import sys

from appwarden.gui.launcher import main

if __name__ == "__main__":
    sys.exit(main())
