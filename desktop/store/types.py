"""Plain data crossing from the store to sync and UI layers."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Filters:
    """Facet filters for a library search; empty tuples mean "any"."""

    subjects: tuple[str, ...] = ()
    grades: tuple[int, ...] = ()
    types: tuple[str, ...] = ()
    collections: tuple[str, ...] = ()
    downloaded_only: bool = False


@dataclass(frozen=True, slots=True)
class Changes:
    """What an operation changed, so views refresh only that (Anki's OpChanges)."""

    catalog: bool = False
    resources: frozenset[str] = frozenset()
    downloads: bool = False
    sync_state: bool = False
    # Community: `community` = directory, memberships, follows or profiles changed;
    # `threads` = ids of threads whose row, posts, read position or reactions changed;
    # `outbox` = an outbox item was added or changed state; `drafts` = a draft was saved.
    community: bool = False
    threads: frozenset[str] = frozenset()
    outbox: bool = False
    drafts: bool = False

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            self.catalog or other.catalog,
            self.resources | other.resources,
            self.downloads or other.downloads,
            self.sync_state or other.sync_state,
            self.community or other.community,
            self.threads | other.threads,
            self.outbox or other.outbox,
            self.drafts or other.drafts,
        )

    def __bool__(self) -> bool:
        return (self.catalog or bool(self.resources) or self.downloads or self.sync_state
                or self.community or bool(self.threads) or self.outbox or self.drafts)


@dataclass(slots=True)
class DownloadItem:
    sha256: str
    resource_id: str
    name: str
    mime: str
    size: int
    state: str  # queued | downloading | paused | done | failed | cancelled
    bytes_done: int = 0
    error: str = ""  # the core's English text of the last failure
    added: str = ""
    # The failure's category (``SyncError.code``) and what fills its words, for the UI to say
    # it in the user's language; "" for rows failed before categories were stored.
    error_code: str = ""
    error_params: dict = field(default_factory=dict)


@dataclass(slots=True)
class SyncRecord:
    """One row of the sync history."""

    started: str
    finished: str
    ok: bool
    records: int = 0
    bytes_wire: int = 0
    round_trips: int = 0
    message: str = ""
    details: dict = field(default_factory=dict)
    # A failure's category and params (``SyncError.code``/``.params``) so the history can be
    # shown in the user's language; ``message`` stays as written. Kept in ``details``.
    error_code: str = ""
    error_params: dict = field(default_factory=dict)
