"""The Okno portal: the catalog's change log, snapshots and files over HTTP.

Modules: ``db`` (tables, engine, migrations), ``catalog`` (PortalStore), ``blobs``
(content-addressed files), ``snapshot``, ``sync`` (the sync endpoint's body and stream),
``ranges`` (Range/ETag file serving), ``app`` (FastAPI), ``cli`` (``okno-portal``),
``demo`` (generated demo library). The protocol is specified in ``docs/protocol.md``.
"""
