"""The .deb built from the bundle installs with dpkg, runs from /usr/bin, and uninstalls
leaving the user's data. Needs root and dpkg (CI runs as root on Debian)."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from tests.packaging.conftest import ROOT, Bundle, isolated_env

pytestmark = [
    pytest.mark.packaging,
    pytest.mark.skipif(shutil.which("dpkg") is None or shutil.which("dpkg-deb") is None,
                       reason="dpkg/dpkg-deb not available (not a Debian-based system)"),
]

INSTALLED = ("/opt/okno/okno", "/opt/okno/_internal/resources/sample/manifest.json",
             "/usr/share/applications/okno.desktop",
             "/usr/share/icons/hicolor/scalable/apps/okno.svg")


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "okno_build_deb", ROOT / "packaging" / "deb" / "build_deb.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def deb(bundle: Bundle, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _builder().build(bundle.folder, tmp_path_factory.mktemp("deb"), fast=True)


def test_deb_contents(deb: Path) -> None:
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True,
                             check=True).stdout
    for path in INSTALLED:
        assert f".{path}" in listing, path
    assert re.search(r"\./usr/bin/okno -> /opt/okno/okno", listing)
    assert "root/root" in listing and not re.search(r"^\S+ (?!root/root)", listing, re.M)
    info = subprocess.run(["dpkg-deb", "-f", str(deb)], capture_output=True, text=True,
                          check=True).stdout
    assert "Package: okno" in info and "Depends:" in info
    desktop = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], capture_output=True,
                             check=True).stdout
    assert b"Name[ru]=" in desktop and b"Comment[ru]=" in desktop
    print(f".deb (gzip -1 as in tests; xz for release is smaller): "
          f"{deb.stat().st_size / 2**20:.1f} MB")


@pytest.mark.skipif(os.geteuid() != 0, reason="installing a .deb needs root")
def test_install_run_remove_keeps_user_data(deb: Path, tmp_path: Path) -> None:
    if subprocess.run(["dpkg-query", "-W", "okno"], capture_output=True).returncode == 0:
        pytest.skip("an okno package is already installed on this machine; not touching it")
    data = tmp_path / "home" / ".local" / "share" / "okno"
    env = isolated_env(tmp_path / "home")
    try:
        subprocess.run(["dpkg", "-i", str(deb)], check=True, capture_output=True, timeout=300)
        for path in INSTALLED:
            assert Path(path).exists(), path
        assert os.path.realpath("/usr/bin/okno") == "/opt/okno/okno"
        okno = "/usr/bin/okno"  # the installed one, not a virtualenv's script on PATH
        loaded = subprocess.run([okno, "--data", str(data), "sample"], env=env,
                                capture_output=True, text=True, timeout=120)
        assert loaded.returncode == 0, loaded.stderr
        run = subprocess.run([okno, "--data", str(data), "gui", "--self-test"], env=env,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout + run.stderr
        assert re.search(r"self-test: ok; [1-9]\d* results", run.stdout), run.stdout
    finally:
        removed = subprocess.run(["dpkg", "-r", "okno"], capture_output=True, text=True,
                                 timeout=300)
    assert removed.returncode == 0, removed.stderr
    for path in INSTALLED:
        assert not Path(path).exists(), path
    assert not os.path.lexists("/usr/bin/okno")
    purged = subprocess.run(["dpkg", "--purge", "okno"], capture_output=True, text=True)
    assert purged.returncode == 0, purged.stderr
    assert (data / "okno.sqlite3").is_file(), "removing the package must keep the user's data"
    assert subprocess.run(["dpkg-query", "-W", "okno"], capture_output=True).returncode != 0
