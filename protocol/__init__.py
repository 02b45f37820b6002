"""Okno wire protocol: what the portal and every client (desktop, LAN hub, bundle) agree on.

Qt-free and dependency-light: imported by ``portal`` and ``desktop`` alike.
The human-readable specification is ``docs/protocol.md``.
"""

from protocol.wire import (  # noqa: F401
    API_PREFIX,
    CATALOG_STREAM,
    PROTOCOL_VERSION,
    RESOURCE_TYPES,
    ProtocolError,
)
