import sys

from appwarden.core.cli.main import main, without_exit_collection

sys.exit(without_exit_collection(main()))
