"""iPhone and iPad: a Finder or iTunes backup folder, read with the standard library only."""

import re

# A bundle id as Apple accepts it: letters, digits, hyphens and dots, at least two parts. Here, so
# that checking a pack's ids does not load the backup reader (sqlite3, plistlib).
BUNDLE_ID = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
