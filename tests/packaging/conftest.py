"""The PyInstaller bundle, built once per test session and shared by the packaging tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Bundle:
    folder: Path  # dist/okno
    executable: Path  # dist/okno/okno
    build_seconds: float


def isolated_env(home: Path) -> dict[str, str]:
    """An environment in which the built program sees only ``home`` (no user's settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKNO_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local/share"), QT_QPA_PLATFORM="offscreen",
               OKNO_CONFIG_DIR=str(home / ".config/okno"),
               OKNO_MACHINE_CONFIG=str(home / "no-machine-config.toml"),
               LANG="C.UTF-8", LC_ALL="C.UTF-8")
    return env


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    if shutil.which("pyinstaller", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("PyInstaller is not installed (pip install -e '.[test]')")
    out = tmp_path_factory.mktemp("bundle")
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(out / "dist"), "--workpath", str(out / "work"),
         str(ROOT / "build.spec")],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    seconds = time.monotonic() - t0
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    folder = out / "dist" / "okno"
    exe = folder / ("okno.exe" if sys.platform == "win32" else "okno")
    assert exe.is_file()
    return Bundle(folder, exe, seconds)
