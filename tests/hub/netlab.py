"""A lab in network namespaces: a portal behind a slow uplink, and a LAN with its PCs.

    portal ns (10.77.0.1) ==[linkem: rate/delay/loss]== router ns (10.77.0.2)
    router ns: bridge 10.78.0.1/24 ── veth ── each PC ns (10.78.0.10, .11, ...)

The uplink is joined by ``linkem.py`` (the user-space forwarder behind
``../shared/tools/rural-link``; this kernel has no netem); the LAN is a plain bridge, so
zeroconf multicast between the PCs stays inside these namespaces. Everything is removed on
``close()``. Needs root, ``ip`` and ``/dev/net/tun``; :func:`unavailable` says why not.

    with NetLab(["hub", "pc1"], rate_kbit=512) as lab:
        lab.popen("portal", [...]); lab.run("hub", [...]); lab.uplink_bytes()
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

PORTAL_IP = "10.77.0.1"
ROUTER_UPLINK_IP = "10.77.0.2"
LAN_GATEWAY = "10.78.0.1"
LAN_PREFIX = "10.78.0."


def find_linkem() -> Path | None:
    candidates = [os.environ.get("OKNO_LINKEM", "")]
    here = Path(__file__).resolve()
    candidates += [str(p / "shared" / "tools" / "linkem.py") for p in here.parents]
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c)
    return None


def unavailable() -> str | None:
    """Why this machine cannot build the lab, or None if it can."""
    if sys.platform != "linux":
        return "network namespaces need Linux"
    if os.geteuid() != 0:
        return "the namespace lab needs root (CI runs as root)"
    if not os.path.exists("/dev/net/tun"):
        return "the namespace lab needs /dev/net/tun for the simulated uplink"
    if shutil.which("ip") is None:
        return "the namespace lab needs the 'ip' command (iproute2)"
    if find_linkem() is None:
        return "linkem.py (../shared/tools, or $OKNO_LINKEM) was not found"
    probe = f"oknoprobe{os.getpid()}"
    done = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if done.returncode != 0:
        return f"cannot create network namespaces here: {done.stderr.strip()[:200]}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True, timeout=30)


class NetLab:
    def __init__(self, pcs: list[str], *, rate_kbit: int = 512, delay_ms: int = 100,
                 loss: float = 0.0) -> None:
        tag = f"{os.getpid() % 100000}"
        self.ns = {"portal": f"okP{tag}", "router": f"okR{tag}"}
        self.ip: dict[str, str] = {"portal": PORTAL_IP}
        for i, name in enumerate(pcs):
            self.ns[name] = f"ok{i}x{tag}"
            self.ip[name] = f"{LAN_PREFIX}{10 + i}"
        self.pcs = pcs
        self.rate_kbit, self.delay_ms, self.loss = rate_kbit, delay_ms, loss
        self.uplink_dev = "lk" + self.ns["router"][:11]
        self._linkem: subprocess.Popen[str] | None = None
        self._procs: list[subprocess.Popen] = []

    # -- building and tearing down -------------------------------------------------------
    def __enter__(self) -> NetLab:
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _build(self) -> None:
        for ns in self.ns.values():
            _ip("netns", "add", ns)
            _ip("-n", ns, "link", "set", "lo", "up")
        router = self.ns["router"]
        linkem = find_linkem()
        assert linkem is not None
        self._linkem = subprocess.Popen(
            [sys.executable, str(linkem), self.ns["portal"], PORTAL_IP, router,
             ROUTER_UPLINK_IP, "--delay-ms", str(self.delay_ms), "--rate-kbit",
             str(self.rate_kbit), "--loss", str(self.loss), "--seed", "7"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 20
        while not self._has_addr(router, ROUTER_UPLINK_IP):
            if self._linkem.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("linkem did not bring up the uplink")
            time.sleep(0.1)
        _ip("-n", router, "link", "add", "br0", "type", "bridge")
        _ip("-n", router, "addr", "add", f"{LAN_GATEWAY}/24", "dev", "br0")
        _ip("-n", router, "link", "set", "br0", "up")
        self._sysctl(router, "net.ipv4.ip_forward", "1")
        portal_dev = "lk" + self.ns["portal"][:11]
        _ip("-n", self.ns["portal"], "route", "add", f"{LAN_PREFIX}0/24", "dev", portal_dev)
        for i, name in enumerate(self.pcs):
            ns, here, there = self.ns[name], f"okv{i}a", f"okv{i}b"
            _ip("-n", router, "link", "add", here, "type", "veth", "peer", "name", there,
                "netns", ns)
            _ip("-n", router, "link", "set", here, "master", "br0")
            _ip("-n", router, "link", "set", here, "up")
            _ip("-n", ns, "addr", "add", f"{self.ip[name]}/24", "dev", there)
            _ip("-n", ns, "link", "set", there, "up")
            _ip("-n", ns, "route", "add", "default", "via", LAN_GATEWAY)

    @staticmethod
    def _has_addr(ns: str, addr: str) -> bool:
        out = subprocess.run(["ip", "-n", ns, "addr"], capture_output=True, text=True)
        return addr in out.stdout

    @staticmethod
    def _sysctl(ns: str, key: str, value: str) -> None:
        subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-qw", f"{key}={value}"],
                       check=True, capture_output=True, timeout=30)

    def close(self) -> None:
        for proc in reversed(self._procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)
        if self._linkem is not None and self._linkem.poll() is None:
            self._linkem.terminate()
            try:
                self._linkem.wait(10)
            except subprocess.TimeoutExpired:
                self._linkem.kill()
                self._linkem.wait(10)
        for ns in self.ns.values():
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)

    # -- running things --------------------------------------------------------------------
    def _wrap(self, where: str, argv: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.ns[where], *argv]

    def popen(self, where: str, argv: list[str], **kw: object) -> subprocess.Popen:
        proc = subprocess.Popen(self._wrap(where, argv), **kw)  # type: ignore[call-overload]
        self._procs.append(proc)
        return proc

    def run(self, where: str, argv: list[str], timeout: float = 300,
            **kw: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self._wrap(where, argv), capture_output=True, text=True,
                              timeout=timeout, **kw)  # type: ignore[call-overload]

    def uplink_bytes(self) -> int:
        """IP bytes both ways over the uplink so far (counted at the router's end)."""
        out = subprocess.run(["ip", "-j", "-s", "-n", self.ns["router"], "link", "show", "dev",
                              self.uplink_dev], capture_output=True, text=True, check=True)
        stats = json.loads(out.stdout)[0]["stats64"]
        return int(stats["rx"]["bytes"]) + int(stats["tx"]["bytes"])
