"""Build ``okno_<version>_<arch>.deb`` from the PyInstaller bundle (``dist/okno``).

    python packaging/deb/build_deb.py [--bundle dist/okno] [--out dist] [--version V]

The package installs the bundle to /opt/okno, links /usr/bin/okno to it, adds a menu entry
(Russian and English) and the scalable icon, and ships an example machine-wide settings file
in /usr/share/doc/okno. Removing or purging it never touches users' data or /etc/okno.
Needs ``dpkg-deb`` (Debian, Astra Linux, ALT with dpkg); runs as any user (the archive's
files are owned by root via ``--root-owner-group``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PACKAGE = "okno"
PREFIX = "opt/okno"

DEPENDS = ("libc6, libgl1, libegl1, libfontconfig1, libfreetype6, libxkbcommon0, "
           "libdbus-1-3, libglib2.0-0")
RECOMMENDS = ("libxkbcommon-x11-0, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, "
              "libxcb-image0, libxcb-randr0, libxcb-render-util0, libxcb-shape0, "
              "libxcb-xfixes0, libxcb-xkb1, libx11-xcb1, fonts-dejavu-core")


def project_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]


def architecture() -> str:
    try:
        return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, "amd64")


def control(version: str, arch: str, installed_kb: int) -> str:
    return (
        f"Package: {PACKAGE}\n"
        f"Version: {version}\n"
        f"Architecture: {arch}\n"
        "Maintainer: Okno developers <okno@localhost>\n"
        f"Installed-Size: {installed_kb}\n"
        f"Depends: {DEPENDS}\n"
        f"Recommends: {RECOMMENDS}\n"
        "Section: education\n"
        "Priority: optional\n"
        "Description: offline library of educational resources for schools\n"
        " Okno keeps the Unified Library of Educational Resources and the network\n"
        " community of education specialists on the school's computer, works with no\n"
        " connection and synchronises when the link allows. Includes the command line\n"
        " tools for computer-lab administrators (okno sync --machine, okno schedule).\n"
    )


def _tree_kb(root: Path) -> int:
    total = sum(p.lstat().st_size for p in root.rglob("*") if not p.is_dir())
    return max(1, total // 1024)


def _normalise_modes(root: Path) -> None:
    """Directories 0755, executables 0755, everything else 0644 (lintian's expectations)."""
    for p in [root, *root.rglob("*")]:
        if p.is_symlink():
            continue
        if p.is_dir() or os.access(p, os.X_OK):
            p.chmod(0o755)
        else:
            p.chmod(0o644)


def stage(bundle: Path, staging: Path) -> None:
    if not (bundle / "okno").is_file():
        raise SystemExit(f"{bundle}: no 'okno' executable; build it first: "
                         "pyinstaller --noconfirm build.spec")
    shutil.copytree(bundle, staging / PREFIX, symlinks=True)
    (staging / "usr/bin").mkdir(parents=True)
    (staging / "usr/bin/okno").symlink_to(f"/{PREFIX}/okno")
    apps = staging / "usr/share/applications"
    apps.mkdir(parents=True)
    shutil.copyfile(HERE / "okno.desktop", apps / "okno.desktop")
    icons = staging / "usr/share/icons/hicolor/scalable/apps"
    icons.mkdir(parents=True)
    shutil.copyfile(ROOT / "resources/icons/okno.svg", icons / "okno.svg")
    doc = staging / "usr/share/doc/okno"
    doc.mkdir(parents=True)
    shutil.copyfile(ROOT / "packaging/okno.toml.example", doc / "okno.toml.example")
    (doc / "README.Debian").write_text(
        "Okno for computer labs\n\n"
        "Machine-wide settings: copy okno.toml.example to /etc/okno/okno.toml.\n"
        "Night sync for the whole lab: sudo okno schedule install --system\n"
        "User data stays in ~/.local/share/okno and is kept when the package is removed.\n",
        "utf-8")


def build(bundle: Path, out: Path, version: str | None = None, fast: bool = False) -> Path:
    """Stage and pack; ``fast`` trades size for time (gzip -1 instead of xz -6, for tests)."""
    version = version or project_version()
    arch = architecture()
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{PACKAGE}_{version}_{arch}.deb"
    with tempfile.TemporaryDirectory(prefix="okno-deb-") as tmp:
        staging = Path(tmp) / "root"
        stage(bundle, staging)
        _normalise_modes(staging)
        debian = staging / "DEBIAN"
        debian.mkdir()
        (debian / "control").write_text(control(version, arch, _tree_kb(staging)), "utf-8")
        for script in ("postinst", "postrm"):
            shutil.copyfile(HERE / script, debian / script)
            (debian / script).chmod(0o755)
        compression = ["-Zgzip", "-z1"] if fast else ["-Zxz", "-z6"]
        subprocess.run(["dpkg-deb", "--root-owner-group", *compression, "--build",
                        str(staging), str(target)], check=True, stdout=subprocess.DEVNULL)
    return target


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bundle", type=Path, default=ROOT / "dist" / "okno")
    p.add_argument("--out", type=Path, default=ROOT / "dist")
    p.add_argument("--version", default=None)
    p.add_argument("--fast", action="store_true", help="gzip -1 instead of xz (bigger, quicker)")
    args = p.parse_args(argv)
    if shutil.which("dpkg-deb") is None:
        print("dpkg-deb is not available (apt-get install dpkg)", file=sys.stderr)
        return 2
    deb = build(args.bundle, args.out, args.version, args.fast)
    print(f"{deb} ({deb.stat().st_size / 2**20:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
