"""The one exception the store raises for bad input, refused operations and unusable files."""

from __future__ import annotations


class StoreError(ValueError):
    """A store operation was refused; nothing was changed. The message is for people.

    It subclasses ``ValueError`` so callers that treat malformed server data
    (``protocol.wire.ProtocolError``) and refused pages alike can catch both broadly.

    >>> raise StoreError("the page's cursor 5 is behind the stored cursor 9")
    Traceback (most recent call last):
    ...
    desktop.store.errors.StoreError: the page's cursor 5 is behind the stored cursor 9
    """


class StoreFull(StoreError):
    """A write failed because the disk is full; nothing was written (rolled back)."""
