"""Running a lab hub: the HTTP server on the administrator's chosen address, plus zeroconf.

    with HubServer(HubConfig(paths.database, portal_url=url), "192.168.1.10") as hub:
        print(hub.url)            # http://192.168.1.10:8766
        hub.wait()                # until stop() or Ctrl+C

It binds only to the address it is given: never to every interface (0.0.0.0 / ::), so a
school machine with a second network card does not serve the other network.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time

import uvicorn

from desktop.hub.advertise import Advertiser
from desktop.hub.app import HubConfig, create_hub_app
from desktop.hub.feed import ReplicaFeed

DEFAULT_PORT = 8766
START_TIMEOUT = 20.0
REFRESH_SECONDS = 15.0  # how often the advertised cursor is brought up to date


class HubError(Exception):
    """The hub cannot start (bad address, port taken); the message is for people."""


def check_bind_address(address: str) -> str:
    """The address as given, if it is one specific local address (not a wildcard)."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        raise HubError(f"{address!r:.60} is not an IP address; give the address of the lab "
                       "network card (for example 192.168.1.10)") from None
    if ip.is_unspecified:
        raise HubError("a hub serves only the lab network: give the address of its network "
                       "card, not 0.0.0.0 or ::")
    if ip.is_multicast:
        raise HubError(f"{ip} is a multicast address")
    return str(ip)


class HubServer:
    def __init__(self, config: HubConfig, bind: str, port: int = DEFAULT_PORT, *,
                 advertise: bool = True) -> None:
        self.config = config
        self.bind = check_bind_address(bind)
        self.port = port
        self.advertise = advertise
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._advertiser: Advertiser | None = None
        self._stop = threading.Event()
        self._refresher: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.bind}]" if ":" in self.bind else self.bind
        return f"http://{host}:{self.port}"

    def start(self) -> HubServer:
        family = socket.AF_INET6 if ":" in self.bind else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.bind, self.port))
        except OSError as exc:
            sock.close()
            raise HubError(f"cannot listen on {self.bind}:{self.port}: {exc.strerror or exc}"
                           ) from None
        sock.listen(128)
        sock.set_inheritable(True)
        self.port = sock.getsockname()[1]
        app = create_hub_app(self.config)
        cfg = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                             timeout_keep_alive=30)
        self._server = uvicorn.Server(cfg)
        self._server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name="okno-hub-http", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise HubError("the hub's web server did not start")
            time.sleep(0.02)
        if self.advertise:
            state = ReplicaFeed(self.config.database, self.config.files_dir).state()
            self._advertiser = Advertiser(self.bind, self.port, state.portal_id or "",
                                          self.config.portal_url, state.head)
            self._advertiser.start()
            self._refresher = threading.Thread(target=self._refresh, name="okno-hub-advert",
                                               daemon=True)
            self._refresher.start()
        return self

    def _refresh(self) -> None:
        feed = ReplicaFeed(self.config.database, self.config.files_dir)
        while not self._stop.wait(REFRESH_SECONDS):
            try:
                state = feed.state()
            except Exception:  # noqa: BLE001 - a busy or replaced database: try again later
                continue
            if self._advertiser is not None:
                self._advertiser.update(state.portal_id or "", state.head)

    def wait(self) -> None:
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(0.5)

    def stop(self) -> None:
        self._stop.set()
        if self._advertiser is not None:
            self._advertiser.close()
            self._advertiser = None
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        if self._refresher is not None:
            self._refresher.join(2)

    def __enter__(self) -> HubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
