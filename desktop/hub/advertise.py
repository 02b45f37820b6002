"""Announcing a lab hub with zeroconf (mDNS/DNS-SD) as ``_okno-hub._tcp.local.``.

The TXT record says which portal the hub mirrors (``portal_id``, ``portal``), how far its
catalog goes (``cursor``) and the hub protocol version (``version``). Multicast is sent only
on the interface of the address the hub serves on.

    adv = Advertiser("192.168.1.10", 8766, portal_id, portal_url, cursor); adv.start()
    adv.update(portal_id, new_cursor); adv.close()
"""

from __future__ import annotations

import ipaddress
import socket

from zeroconf import IPVersion, ServiceInfo, Zeroconf

SERVICE_TYPE = "_okno-hub._tcp.local."
HUB_PROTOCOL = "1"


def _instance_name(bind: str, port: int) -> str:
    host = socket.gethostname().split(".")[0] or "okno"
    label = "".join(c if c.isalnum() or c == "-" else "-" for c in host)[:40]
    return f"Okno hub {label} {bind.replace(':', '-')} {port}.{SERVICE_TYPE}"


def hub_properties(portal_id: str, portal_url: str, cursor: int) -> dict[str, str]:
    return {"portal_id": portal_id, "portal": portal_url[:200], "cursor": str(cursor),
            "version": HUB_PROTOCOL, "path": "/api/v1"}


class Advertiser:
    def __init__(self, bind: str, port: int, portal_id: str, portal_url: str,
                 cursor: int) -> None:
        self.bind = bind
        self.port = port
        self.portal_url = portal_url
        self._zc: Zeroconf | None = None
        ip = ipaddress.ip_address(bind)
        self._version = IPVersion.V6Only if ip.version == 6 else IPVersion.V4Only
        self._info = self._make_info(portal_id, cursor)

    def _make_info(self, portal_id: str, cursor: int) -> ServiceInfo:
        host = socket.gethostname().split(".")[0] or "okno"
        return ServiceInfo(
            SERVICE_TYPE, _instance_name(self.bind, self.port),
            parsed_addresses=[self.bind], port=self.port,
            properties=hub_properties(portal_id, self.portal_url, cursor),
            server=f"okno-hub-{host}-{self.port}.local.")

    def start(self) -> None:
        self._zc = Zeroconf(interfaces=[self.bind], ip_version=self._version)
        self._zc.register_service(self._info, allow_name_change=True)

    def update(self, portal_id: str, cursor: int) -> None:
        if self._zc is None:
            return
        props = hub_properties(portal_id, self.portal_url, cursor)
        if self._info.decoded_properties == props:
            return
        name = self._info.name
        self._info = self._make_info(portal_id, cursor)
        self._info.name = name  # keep whatever name registration settled on
        self._zc.update_service(self._info)

    def close(self) -> None:
        if self._zc is None:
            return
        try:
            self._zc.unregister_service(self._info)
        finally:
            self._zc.close()
            self._zc = None
