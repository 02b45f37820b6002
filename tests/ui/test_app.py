"""Start-up: the self-test used by packaging, and a damaged database explained in words."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from desktop.paths import Paths


def run_gui(data: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", OKNO_CONFIG_DIR=str(tmp_path / "cfg"),
               PYTHONUTF8="1")
    env.pop("OKNO_DATA_DIR", None)
    code = ("import sys; from desktop.ui.app import run; "
            f"sys.exit(run({list(args)!r}, {str(data)!r}, None))")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env=env)


def test_self_test_opens_the_window_and_searches(library_paths: Paths, tmp_path: Path) -> None:
    done = run_gui(library_paths.data, tmp_path, "--self-test")
    assert done.returncode == 0, done.stderr
    assert "self-test: ok" in done.stdout


def test_a_damaged_database_is_explained_not_a_crash(tmp_path: Path) -> None:
    paths = Paths(tmp_path / "data").ensure()
    paths.database.write_bytes(b"this is not a database" * 100)
    done = run_gui(paths.data, tmp_path, "--self-test")
    assert done.returncode == 1
    assert "not an Okno database" in done.stderr  # the store's own plain words
