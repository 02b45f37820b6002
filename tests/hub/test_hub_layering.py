"""The hub and the hub-aware sync are core code: they import without Qt."""

from __future__ import annotations

import subprocess
import sys

MODULES = ["desktop.hub.app", "desktop.hub.server", "desktop.hub.feed", "desktop.hub.advertise",
           "desktop.sync.discovery", "desktop.sync.hubsync", "desktop.store.serving",
           "desktop.cli_hub"]


def test_hub_modules_import_without_qt():
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'PySide6' or name.startswith('PySide6.'):\n"
        "            raise ImportError('Qt is blocked in the core: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for m in {MODULES!r}:\n"
        "    __import__(m)\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
