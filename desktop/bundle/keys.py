"""The device's signing key and the portal key this computer trusts.

- The device key (Ed25519) is made on first use in the personal data folder
  (``device-key.pem``, mode 0600) and registered with the portal after sign-in; it signs
  the bundles this computer writes (its outbox above all).
- The portal key is pinned by the lab preset or the settings (``portal_bundle_key``), or
  learned from the portal's ``/hello`` on the first sync (kept in ``portal-key.json``).
  A pinned key always wins over a learned one.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
from pathlib import Path
from typing import Any

import requests

from desktop.paths import Paths
from protocol import bundle as pb
from protocol.wire import API_PREFIX

DEVICE_KEY = "device-key.pem"
PORTAL_KEY = "portal-key.json"
REGISTERED = "device-key-registered.json"


def device_signer(paths: Paths) -> pb.Signer:
    return pb.Signer.load_or_create(paths.data / DEVICE_KEY)


def device_id(signer: pb.Signer) -> str:
    """A stable short id of this computer's data folder: the start of its key fingerprint."""
    return signer.fingerprint[:16]


def device_name() -> str:
    return (platform.node() or "Okno")[:200]


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def learned_portal_key(paths: Paths) -> tuple[bytes, str | None] | None:
    """(key, portal_id) learned from a portal's /hello, or None."""
    data = _read_json(paths.data / PORTAL_KEY)
    try:
        return pb.decode_key(data["key"]), data.get("portal_id")
    except (KeyError, pb.BundleError):
        return None


def remember_portal_key(paths: Paths, key: str, portal_id: str | None, source: str) -> None:
    pb.decode_key(key)
    _write_json(paths.data / PORTAL_KEY, {"key": key, "portal_id": portal_id, "source": source})


def trusted_portal_key(paths: Paths, pinned: str = "") -> bytes | None:
    """The pinned key (preset or settings) if any, else the learned one."""
    if pinned.strip():
        return pb.decode_key(pinned)
    learned = learned_portal_key(paths)
    return learned[0] if learned else None


def learn_from_hello(paths: Paths, info: dict[str, Any], portal_url: str) -> bool:
    """Keep the portal's bundle key from a /hello answer (first sync). Returns True when a
    key was stored. A key already learned is not replaced silently by a different one."""
    key = info.get("bundle_key")
    if not isinstance(key, str):
        return False
    try:
        pb.decode_key(key)
    except pb.BundleError:
        return False
    known = learned_portal_key(paths)
    if known is not None and known[1] == info.get("portal_id"):
        return False
    remember_portal_key(paths, key, info.get("portal_id"), portal_url)
    return True


def fetch_hello(portal_url: str, timeout: float = 10.0) -> dict[str, Any] | None:
    """The portal's /hello, or None when it cannot be reached (best effort)."""
    try:
        resp = requests.get(f"{portal_url.rstrip('/')}{API_PREFIX}/hello", timeout=timeout)
        if resp.status_code != 200:
            return None
        data = resp.json()
    except (requests.RequestException, ValueError):
        return None
    return data if isinstance(data, dict) else None


def register_device(paths: Paths, portal_url: str, token: str, name: str = "",
                    *, session: requests.Session | None = None) -> str:
    """Register this computer's key for the signed-in user (after sign-in). Returns the
    fingerprint. Raises requests/ValueError problems as ``pb.BundleError``."""
    signer = device_signer(paths)
    session = session or requests.Session()
    try:
        resp = session.post(f"{portal_url.rstrip('/')}{API_PREFIX}/devices/key",
                            json={"public_key": pb.encode_key(signer.public_raw),
                                  "device_name": name or device_name()},
                            headers={"Authorization": f"Bearer {token}"}, timeout=(10, 30))
    except requests.RequestException as exc:
        raise pb.BundleError(f"the portal cannot be reached to register this computer's "
                             f"key: {exc}", "io") from None
    if resp.status_code != 200:
        raise pb.BundleError(f"the portal refused this computer's key (HTTP "
                             f"{resp.status_code})", "wrong_key")
    registered = _read_json(paths.data / REGISTERED)
    registered[portal_url.rstrip("/")] = signer.fingerprint
    _write_json(paths.data / REGISTERED, registered)
    return signer.fingerprint


def is_registered(paths: Paths, portal_url: str) -> bool:
    signer_path = paths.data / DEVICE_KEY
    if not signer_path.exists():
        return False
    fp = _read_json(paths.data / REGISTERED).get(portal_url.rstrip("/"))
    return isinstance(fp, str) and fp == device_signer(paths).fingerprint


def after_sync(paths: Paths, portal: str, token: str | None) -> None:
    """After a sync or a sign-in: learn the portal's bundle key (first time only) and
    register this computer's key for the signed-in user. Best effort: a failure (offline,
    an older portal) only means it happens next time."""
    if learned_portal_key(paths) is None:
        info = fetch_hello(portal)
        if info is not None:
            learn_from_hello(paths, info, portal)
    if token and not is_registered(paths, portal):
        try:
            register_device(paths, portal, token)
        except pb.BundleError:
            pass
