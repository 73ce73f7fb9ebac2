"""Renders assets/icons/appwarden.svg into the icon files each platform needs.

    python tools/make_icons.py

Writes appwarden.png (256 px, the window and Linux), appwarden.ico (16/32/48/256, Windows) and
appwarden.icns (16 to 512 px, macOS) beside the SVG. The ICO and ICNS containers are written here
from PNG entries, so every size is in one file whatever Qt's image plugins can write.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ICONS = Path(__file__).resolve().parent.parent / "assets" / "icons"
ICO_SIZES = (16, 32, 48, 256)
# ICNS entry types that hold PNG data, with their pixel size (the @2x types repeat a size).
ICNS_ENTRIES = (
    ("icp4", 16), ("icp5", 32), ("ic11", 32), ("icp6", 64), ("ic12", 64),
    ("ic07", 128), ("ic13", 256), ("ic08", 256), ("ic14", 512), ("ic09", 512),
)


def render_png(svg: Path, size: int) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def ico_file(pngs: dict[int, bytes]) -> bytes:
    """ICONDIR, one ICONDIRENTRY per size (0 means 256), then the PNG images (Windows Vista and later)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, images = b"", b""
    for size, png in sorted(pngs.items()):
        side = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset + len(images))
        images += png
    return header + entries + images


def icns_file(pngs: dict[int, bytes]) -> bytes:
    """'icns', the total length, then (type, length including its 8-byte header, PNG data) per entry."""
    body = b"".join(kind.encode() + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_ENTRIES)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (QPainter needs one)
    svg = ICONS / "appwarden.svg"
    sizes = sorted({*ICO_SIZES, *(size for _, size in ICNS_ENTRIES)})
    pngs = {size: render_png(svg, size) for size in sizes}
    (ICONS / "appwarden.png").write_bytes(pngs[256])
    (ICONS / "appwarden.ico").write_bytes(ico_file({size: pngs[size] for size in ICO_SIZES}))
    (ICONS / "appwarden.icns").write_bytes(icns_file(pngs))
    for name in ("appwarden.png", "appwarden.ico", "appwarden.icns"):
        print(f"{ICONS / name}: {(ICONS / name).stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
