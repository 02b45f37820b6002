"""Delivering an offline machine's outbox bundle to the portal from any machine online.

The portal checks the device signature against the key the author registered at sign-in
and applies each op exactly once; its answer is a small portal-signed ``results`` bundle,
written next to the outbox on the drive so the offline machine can import it.

    results_path, count = deliver(Path("/media/usb/okno-outbox-….okb"), portal_url)
"""

from __future__ import annotations

from pathlib import Path

import requests

from protocol import bundle as pb
from protocol.wire import API_PREFIX

TIMEOUT = (10, 300)


def results_path(outbox: Path) -> Path:
    """``okno-outbox-X.okb`` -> ``okno-outbox-X.results.okb`` (same folder)."""
    stem = outbox.name[:-len(pb.SUFFIX)] if outbox.name.endswith(pb.SUFFIX) else outbox.name
    return outbox.with_name(f"{stem}.results{pb.SUFFIX}")


def deliver(outbox: Path, portal_url: str, *, session: requests.Session | None = None
            ) -> tuple[Path, int]:
    """Send the outbox bundle; write the portal's results bundle beside it. Returns (its
    path, number of ops). Raises BundleError in plain words."""
    outbox = Path(outbox)
    with pb.open_volumes(outbox) as reader:
        header = pb.read_header(reader)
        if header.kind != "outbox":
            raise pb.BundleError("This bundle is not an outbox: there is nothing to deliver.",
                                 "invalid")
        if header.total_bytes > 16 << 20:
            raise pb.BundleError("The outbox bundle is too large to deliver at once.",
                                 "invalid")
    body = b"".join(v.read_bytes() for v in pb.list_volumes(outbox))
    if len(body) < header.total_bytes:
        raise pb.BundleError("The outbox bundle is truncated. Nothing was delivered.",
                             "truncated")
    session = session or requests.Session()
    url = f"{portal_url.rstrip('/')}{API_PREFIX}/bundles/outbox"
    try:
        resp = session.post(url, data=body, timeout=TIMEOUT,
                            headers={"Content-Type": "application/octet-stream"})
    except requests.RequestException as exc:
        raise pb.BundleError(f"The portal cannot be reached ({exc.__class__.__name__}); the "
                             "outbox stays on the drive: deliver it later.", "io") from None
    if resp.status_code != 200:
        try:
            message = resp.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = f"HTTP {resp.status_code}"
        raise pb.BundleError(f"The portal refused the outbox: {message}", "refused",
                             status=resp.status_code)
    target = results_path(outbox)
    pb.write_stream(target, [resp.content], len(resp.content))
    try:
        count = int(resp.headers.get("x-okno-ops", "0"))
    except ValueError:
        count = 0
    return target, count
