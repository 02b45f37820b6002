"""USB bundles on the desktop: export, verify, import (with the sync apply code), receipts,
the device key, and delivering an offline machine's outbox. Qt-free.

See docs/bundles.md; the file format is :mod:`protocol.bundle`.
"""
