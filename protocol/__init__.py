"""Okno wire protocol: what the portal and every client (desktop, LAN hub, bundle) agree on.

Qt-free and dependency-light: imported by ``portal`` and ``desktop`` alike.
The human-readable specification is ``docs/protocol.md``.
"""

# The community module registers its extensions (protocol.consultations) when imported: import it
# before any of them, so that importing protocol.consultations first also works.
from protocol import community  # noqa: F401
from protocol.wire import (  # noqa: F401
    API_PREFIX,
    CATALOG_STREAM,
    PROTOCOL_VERSION,
    RESOURCE_TYPES,
    ProtocolError,
)
