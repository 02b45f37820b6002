"""Smoke test of the PyInstaller build: build.spec builds, and the built program works.

Builds the real one-folder bundle (about 15 s here), then runs it against a fresh data folder:
``okno sample`` loads the bundled sample library, ``okno gui --self-test`` opens the main
window offscreen, searches, and must find results.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest

from tests.packaging.conftest import Bundle, isolated_env

pytestmark = pytest.mark.packaging


def _run(bundle: Bundle, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(bundle.executable), *args], env=isolated_env(home),
                          capture_output=True, text=True, timeout=120)


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and
               not p.is_symlink())


def test_bundle_contents(bundle: Bundle) -> None:
    internal = bundle.folder / "_internal"
    for rel in ("resources/translations/okno_ru.qm", "resources/translations/okno_en.qm",
                "resources/icons/okno.svg", "resources/sample/manifest.json"):
        assert (internal / rel).is_file(), rel
    qt_translations = {p.name for p in internal.rglob("Qt/translations/*.qm")}
    assert qt_translations, "Qt's own translations (ru/en) are missing"
    assert all(re.search(r"_(ru|en)\.qm$", n) for n in qt_translations), qt_translations
    names = {p.name for p in internal.rglob("*")}
    for unwanted in ("libQt6Quick.so.6", "libQt6Qml.so.6", "libQt6WebEngineCore.so.6",
                     "libQt63DCore.so.6", "portal"):
        assert unwanted not in names, unwanted
    size_mb = folder_size(bundle.folder) / 2**20
    print(f"bundle: {size_mb:.0f} MB, built in {bundle.build_seconds:.0f} s")
    assert size_mb < 200, f"bundle grew to {size_mb:.0f} MB"


def test_built_program_self_test_on_sample_library(bundle: Bundle, tmp_path: Path) -> None:
    data = tmp_path / "data"
    empty = _run(bundle, tmp_path, "--data", str(data), "gui", "--self-test")
    assert empty.returncode == 0, empty.stderr
    assert "self-test: ok; 0 results" in empty.stdout  # a fresh install: an empty library
    # What a frozen build can silently lose: QtPdf writer + font, cryptography, zeroconf.
    for part in ("certificate", "signatures", "zeroconf"):
        assert f"self-test {part}: ok" in empty.stdout, empty.stdout

    loaded = _run(bundle, tmp_path, "--data", str(data), "sample")
    assert loaded.returncode == 0, loaded.stderr
    assert "Sample library loaded" in loaded.stdout

    t0 = time.monotonic()
    result = _run(bundle, tmp_path, "--data", str(data), "gui", "--self-test")
    seconds = time.monotonic() - t0
    assert result.returncode == 0, result.stdout + result.stderr
    match = re.search(r"self-test: ok; (\d+) results", result.stdout)
    assert match and int(match.group(1)) > 0, result.stdout
    print(f"built program: self-test in {seconds:.2f} s")

    status = _run(bundle, tmp_path, "--data", str(data), "search", "урок", "--json")
    assert status.returncode == 0, status.stderr
    assert '"total"' in status.stdout
