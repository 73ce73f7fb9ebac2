import sys

from appwarden.core.cli.main import main

sys.exit(main())
