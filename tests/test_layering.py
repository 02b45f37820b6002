"""The core is Qt-free: store, sync, protocol, CLI and portal import with PySide6 blocked."""

from __future__ import annotations

import subprocess
import sys

CORE_MODULES = ["protocol.wire", "protocol.compression", "desktop.paths", "desktop.store",
                "desktop.sync.engine", "desktop.sync.downloads", "desktop.sample",
                "desktop.cli", "portal.app", "portal.cli"]


def test_core_imports_without_qt():
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'PySide6' or name.startswith('PySide6.'):\n"
        "            raise ImportError('Qt is blocked in the core: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for m in {CORE_MODULES!r}:\n"
        "    __import__(m)\n"
        "assert not any(k.startswith('PySide6') for k in sys.modules)\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_importing_creates_no_files(tmp_path):
    """No side effects at import: importing the packages writes nothing to the data dirs."""
    env = {"OKNO_DATA_DIR": str(tmp_path / "d"), "OKNO_PORTAL_DATA": str(tmp_path / "p"),
           "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    code = f"for m in {CORE_MODULES!r}: __import__(m)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    assert list(tmp_path.iterdir()) == []
