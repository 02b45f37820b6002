"""Finding lab hubs on the local network (zeroconf ``_okno-hub._tcp.local.``).

A short browse (a second or two) lists the hubs that answer; the last hub that worked is
cached in the data folder and tried first, so a lab PC usually needs no browse at all.

    hub = find_hub(paths, portal_id="0b02…", portal_url="https://okno.example")
    if hub: sync from hub.url first

Qt-free. Which interfaces to use can be restricted (tests, a machine with two networks).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import requests

from protocol.wire import API_PREFIX, PROTOCOL_VERSION

SERVICE_TYPE = "_okno-hub._tcp.local."
BROWSE_TIMEOUT = 1.5
HELLO_TIMEOUT = 3.0
CACHE_NAME = "lab-hub.json"
CACHE_MAX_AGE = 7 * 24 * 3600


@dataclass(frozen=True, slots=True)
class HubInfo:
    url: str
    portal_id: str
    portal_url: str = ""
    cursor: int = 0
    version: str = "1"
    name: str = ""


def hubs_allowed(setting: bool = True) -> bool:
    """The "use lab hubs" setting, unless ``$OKNO_LAB_HUBS=off`` turns hubs off (tests, or
    an administrator who wants every PC on the portal)."""
    env = os.environ.get("OKNO_LAB_HUBS", "").strip().lower()
    if env in ("0", "off", "no", "false"):
        return False
    return setting


def env_interfaces() -> list[str] | None:
    """Addresses to browse on from ``$OKNO_HUB_INTERFACES`` (comma-separated), or None."""
    raw = os.environ.get("OKNO_HUB_INTERFACES", "")
    found = [a.strip() for a in raw.split(",") if a.strip()]
    return found or None


def _from_service(info: Any) -> HubInfo | None:
    props = info.decoded_properties
    addresses = info.parsed_scoped_addresses()
    if not addresses or not info.port:
        return None
    host = addresses[0]
    host = f"[{host}]" if ":" in host else host
    try:
        cursor = int(props.get("cursor") or 0)
    except ValueError:
        cursor = 0
    return HubInfo(url=f"http://{host}:{info.port}", portal_id=props.get("portal_id") or "",
                   portal_url=props.get("portal") or "", cursor=cursor,
                   version=props.get("version") or "", name=info.name)


def browse_hubs(timeout: float = BROWSE_TIMEOUT,
                interfaces: Sequence[str] | None = None) -> list[HubInfo]:
    """Hubs that answered within ``timeout`` seconds, freshest catalog first.

    ``interfaces``: local addresses to use (default: every interface). Never raises for a
    network without multicast: that simply finds nothing.
    """
    from zeroconf import InterfaceChoice, ServiceBrowser, ServiceStateChange, Zeroconf

    interfaces = interfaces or env_interfaces()
    try:
        zc = Zeroconf(interfaces=list(interfaces) if interfaces else InterfaceChoice.All)
    except OSError:
        return []
    found: dict[str, HubInfo] = {}
    names: list[str] = []
    lock = threading.Lock()

    def on_change(zeroconf: Any, service_type: str, name: str,
                  state_change: ServiceStateChange) -> None:
        if state_change is not ServiceStateChange.Removed:
            with lock:
                names.append(name)

    try:
        browser = ServiceBrowser(zc, SERVICE_TYPE, handlers=[on_change])
        deadline = time.monotonic() + timeout
        done: set[str] = set()
        while time.monotonic() < deadline:
            with lock:
                todo = [n for n in names if n not in done]
            for name in todo:
                done.add(name)
                left = max(0.2, deadline - time.monotonic())
                info = zc.get_service_info(SERVICE_TYPE, name, timeout=int(left * 1000))
                hub = None if info is None else _from_service(info)
                if hub is not None:
                    found[hub.url] = hub
            if found and not todo:
                break  # answers arrive together; no need to wait out the timeout
            time.sleep(0.05)
        browser.cancel()
    finally:
        zc.close()
    return sorted(found.values(), key=lambda h: -h.cursor)


def hub_hello(url: str, *, session: requests.Session | None = None,
              timeout: float = HELLO_TIMEOUT) -> dict[str, Any] | None:
    """The hub's greeting, or None if it does not answer as an Okno hub."""
    sess = session or requests.Session()
    sess.trust_env = False
    try:
        resp = sess.get(f"{url}{API_PREFIX}/hello", timeout=(timeout, timeout))
        info = resp.json() if resp.status_code == 200 else None
    except (requests.RequestException, ValueError):
        return None
    if not isinstance(info, dict) or info.get("protocol") != PROTOCOL_VERSION:
        return None
    if not isinstance(info.get("hub"), dict) or not isinstance(info.get("portal_id"), str):
        return None
    return info


def _cache_path(data_dir: Path) -> Path:
    return Path(data_dir) / CACHE_NAME


def load_cached_hub(data_dir: Path) -> HubInfo | None:
    try:
        raw = json.loads(_cache_path(data_dir).read_text(encoding="utf-8"))
        if time.time() - float(raw.pop("seen", 0)) > CACHE_MAX_AGE:
            return None
        return HubInfo(**raw)
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def save_cached_hub(data_dir: Path, hub: HubInfo | None) -> None:
    """Remember the hub that worked (or forget it with None); failures are ignored."""
    path = _cache_path(data_dir)
    try:
        if hub is None:
            path.unlink(missing_ok=True)
            return
        fd, tmp = tempfile.mkstemp(prefix=".lab-hub-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({**asdict(hub), "seen": time.time()}, fh)
        os.replace(tmp, path)
    except OSError:
        pass


def same_portal(url_a: str, url_b: str) -> bool:
    return url_a.strip().rstrip("/").lower() == url_b.strip().rstrip("/").lower()


def find_hub(data_dir: Path, *, portal_id: str | None, portal_url: str,
             browse_timeout: float = BROWSE_TIMEOUT,
             interfaces: Sequence[str] | None = None,
             session: requests.Session | None = None) -> tuple[HubInfo, dict[str, Any]] | None:
    """A hub that answers and mirrors this portal: the cached one first, then a browse.

    Identity is the portal id from the hub's ``/hello`` when the client knows it; a client
    that has never reached its portal accepts a hub that mirrors the same portal address.
    """

    def acceptable(hub: HubInfo) -> tuple[HubInfo, dict[str, Any]] | None:
        info = hub_hello(hub.url, session=session)
        if info is None:
            return None
        if portal_id is not None:
            ok = info["portal_id"] == portal_id
        else:
            ok = same_portal(str(info["hub"].get("portal_url") or ""), portal_url)
        return (hub, info) if ok else None

    cached = load_cached_hub(data_dir)
    if cached is not None:
        hit = acceptable(cached)
        if hit is not None:
            return hit
    for hub in browse_hubs(browse_timeout, interfaces):
        if cached is not None and hub.url == cached.url:
            continue
        if portal_id is not None and hub.portal_id and hub.portal_id != portal_id:
            continue
        hit = acceptable(hub)
        if hit is not None:
            save_cached_hub(data_dir, hit[0])
            return hit
    if cached is not None:
        save_cached_hub(data_dir, None)
    return None
