"""What every page is given: paths, settings, the task manager, the reader, the change hub."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.paths import Paths, resolve_portal_url
from desktop.store.types import Changes
from desktop.ui.settings import Settings
from desktop.ui.tasks import Connections, TaskManager


class ChangeHub(QObject):
    """Broadcasts what an operation changed; each view decides what to redraw."""

    changed = Signal(object)  # Changes
    settings_changed = Signal()
    online_changed = Signal(bool)

    def publish(self, changes: Changes) -> None:
        if changes:
            self.changed.emit(changes)


@dataclass
class AppContext:
    paths: Paths
    settings: Settings
    tasks: TaskManager
    reader: Any  # StoreReader, used on the main thread only
    hub: ChangeHub
    language: str = "ru"
    portal_override: str | None = None  # --portal / OKNO_PORTAL_URL for this run
    online: bool = False
    # How to open the store for a data folder (used again when the folder moves).
    connections_for: Callable[[Paths], Connections] | None = None
    reader_for: Callable[[Paths], Any] | None = None
    # The lab preset (desktop.lab.presets): its values under the user's, and what it locks.
    settings_base: Settings | None = None
    locked: frozenset[str] = frozenset()
    machine_config: str = ""  # the preset file's path, for "set by the administrator"

    @property
    def portal_url(self) -> str:
        """The portal to talk to, or "" when Okno runs on the sample library only."""
        if self.portal_override:
            return resolve_portal_url(self.portal_override)
        return self.settings.portal_url.rstrip("/")

    def save_settings(self) -> None:
        self.settings.save(self.paths.settings, base=self.settings_base)
        self.hub.settings_changed.emit()

    def is_locked(self, name: str) -> bool:
        """Whether the administrator fixed this Settings field in the machine-wide preset."""
        return name in self.locked
