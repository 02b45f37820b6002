"""Render ``resources/icons/okno.svg`` into the platform icon formats at build time.

    python packaging/icons.py OUT_DIR   # writes okno.png (256 px), okno.ico, okno.icns

Uses Qt's own SVG renderer and image writers (the ico and icns plugins ship with PySide6),
so no extra tools are needed. Returns the written paths; a format Qt cannot write is skipped.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SVG = Path(__file__).resolve().parent.parent / "resources" / "icons" / "okno.svg"


def render_icons(out_dir: Path, svg: Path = SVG) -> dict[str, Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg}: not a valid SVG icon")
    image = QImage(256, 256, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for fmt in ("png", "ico", "icns"):
        target = out_dir / f"okno.{fmt}"
        if image.save(str(target), fmt.upper()):
            written[fmt] = target
    return written


if __name__ == "__main__":
    for fmt, path in render_icons(Path(sys.argv[1] if len(sys.argv) > 1 else ".")).items():
        print(f"{fmt}: {path}")
