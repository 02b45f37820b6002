"""Where the UI finds its icons and translations (``resources/`` in a checkout or a build)."""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon


def resources_dir() -> Path:
    """``$OKNO_RESOURCES_DIR``, else ``resources/`` beside a frozen build or the checkout."""
    override = os.environ.get("OKNO_RESOURCES_DIR")
    if override:
        return Path(override)
    base = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parents[2]))
    return base / "resources"


def translations_dir() -> Path:
    return resources_dir() / "translations"


@cache
def icon(name: str) -> QIcon:
    """A scalable icon from ``resources/icons/<name>.svg`` (sharp at any DPI)."""
    return QIcon(str(resources_dir() / "icons" / f"{name}.svg"))
