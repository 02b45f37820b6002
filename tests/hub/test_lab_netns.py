"""A school lab in network namespaces: the uplink carries the library once.

The portal sits behind a 512 kbit/s uplink (linkem, as ``rural-link`` uses). On the LAN
side a hub PC fills from the portal with ``okno sync --all-files`` and shares its library
with ``okno hub serve``; two more PCs run a plain ``okno sync --all-files``, find the hub
by zeroconf on the LAN and fill from it. The bytes crossing the uplink are counted at the
router's end of the link. Everything runs as real processes; nothing is mocked.
"""

from __future__ import annotations

import os
import queue
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.hub.netlab import PORTAL_IP, NetLab, unavailable

pytestmark = [pytest.mark.e2e]

REPO = Path(__file__).resolve().parents[2]
PORTAL_PORT = 8765
HUB_PORT = 8766
RESOURCES = "100"  # about 1.3 MB of files: ~25 s at 512 kbit/s


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"PYTHONUTF8": "1", "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO),
                "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"})
    env.update(extra)
    return env


def _wait_line(proc: subprocess.Popen, prefix: str, timeout: float) -> str:
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    while True:
        line = lines.get(timeout=timeout)
        if line is None:
            raise AssertionError(f"the process exited before printing {prefix}")
        if line.startswith(prefix):
            return line[len(prefix):].strip()


def _catalog(db: Path) -> tuple:
    conn = sqlite3.connect(db)
    try:
        return (conn.execute("SELECT id, version, seq, title, files FROM resources ORDER BY id"
                             ).fetchall(),
                conn.execute("SELECT id, version, seq FROM collections ORDER BY id").fetchall(),
                conn.execute("SELECT seq FROM cursors WHERE stream = 'catalog'").fetchall(),
                conn.execute("SELECT sha256 FROM files_cache ORDER BY sha256").fetchall())
    finally:
        conn.close()


def _files_bytes(data: Path) -> int:
    return sum(p.stat().st_size for p in (data / "files").rglob("*") if p.is_file())


def test_lab_fills_from_the_hub_and_the_uplink_carries_the_library_once(tmp_path):
    why = unavailable()
    if why is not None:
        pytest.skip(why)
    okno = [sys.executable, "-m", "desktop.cli"]
    portal_url = f"http://{PORTAL_IP}:{PORTAL_PORT}"
    with NetLab(["hub", "pc1", "pc2"], rate_kbit=512, delay_ms=100) as lab:
        portal = lab.popen("portal", [sys.executable, "-m", "portal.cli", "serve", "--host",
                                      PORTAL_IP, "--port", str(PORTAL_PORT), "--data",
                                      str(tmp_path / "portal"), "--demo", "--resources",
                                      RESOURCES],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                           env=_env(), cwd=REPO)
        assert _wait_line(portal, "OKNO_PORTAL_URL=", 120) == portal_url

        # 1. The hub PC fills from the portal: the library crosses the uplink once.
        start = lab.uplink_bytes()
        data = {name: tmp_path / name for name in ("hub", "pc1", "pc2")}
        done = lab.run("hub", [*okno, "--data", str(data["hub"]), "--portal", portal_url,
                               "sync", "--hub", "off", "--all-files", "--quiet"],
                       env=_env(), cwd=REPO)
        assert done.returncode == 0, done.stderr
        once = lab.uplink_bytes() - start
        library = _files_bytes(data["hub"])
        assert library > 500_000
        assert once < 1.25 * library  # the snapshot, headers and TCP/IP on top of the files

        # 2. It shares the library on its LAN address (advertised with zeroconf).
        hub = lab.popen("hub", [*okno, "--data", str(data["hub"]), "--portal", portal_url,
                                "hub", "serve", "--bind", lab.ip["hub"], "--port",
                                str(HUB_PORT)],
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                        env=_env(), cwd=REPO)
        assert _wait_line(hub, "OKNO_HUB_URL=", 60) == f"http://{lab.ip['hub']}:{HUB_PORT}"

        # 3. Two PCs run a plain sync: they find the hub and fill from it.
        for pc in ("pc1", "pc2"):
            done = lab.run(pc, [*okno, "--data", str(data[pc]), "--portal", portal_url,
                                "sync", "--all-files"],
                           env=_env(OKNO_LAB_HUBS="on", OKNO_HUB_INTERFACES=lab.ip[pc]),
                           cwd=REPO)
            assert done.returncode == 0, done.stderr
            assert f"Lab hub http://{lab.ip['hub']}:{HUB_PORT}" in done.stderr, done.stderr
            assert _catalog(data[pc] / "okno.sqlite3") == _catalog(data["hub"] / "okno.sqlite3")

        total = lab.uplink_bytes() - start
        print(f"\nlibrary files {library} B; uplink for the hub's fill {once} B; uplink for "
              f"the hub + 2 PCs {total} B ({total / once:.3f}x one fill)")
        assert total <= 1.05 * once
