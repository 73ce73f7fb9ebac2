"""Window tests run without a display: Qt must learn that before it is first imported."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
