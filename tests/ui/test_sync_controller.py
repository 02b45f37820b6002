"""Automatic sync: on an interval, only when the portal answers, inside a time window."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from desktop.store.types import Changes, SyncRecord


def controller(window: Any, now: str, **settings: Any) -> Any:
    ctrl = window.sync_controller
    ctrl.clock = lambda: datetime.fromisoformat(now)
    for key, value in settings.items():
        setattr(window.ctx.settings, key, value)
    return ctrl


def test_no_automatic_sync_without_an_interval_or_a_portal(window: Any) -> None:
    assert not controller(window, "2026-11-25T23:00", sync_interval_min=0).due()
    assert not controller(window, "2026-11-25T23:00", sync_interval_min=60).due()  # no portal
    assert controller(window, "2026-11-25T23:00", sync_interval_min=60,
                      portal_url="http://portal.local").due()  # never synced


def test_the_interval_counts_from_the_last_sync(window: Any) -> None:
    def record(store: Any) -> Changes:
        store.record_sync(SyncRecord("2026-11-25T22:00:00", "2026-11-25T22:10:00", True))
        return Changes(sync_state=True)

    window.ctx.tasks.op(record).run()
    base = dict(sync_interval_min=60, portal_url="http://portal.local")
    assert not controller(window, "2026-11-25T23:00", **base).due()
    assert controller(window, "2026-11-25T23:11", **base).due()


def test_the_time_window_limits_automatic_sync(window: Any) -> None:
    base = dict(sync_interval_min=60, portal_url="http://portal.local",
                sync_window_enabled=True, sync_window_start="22:00", sync_window_end="06:00")
    assert not controller(window, "2026-11-25T12:00", **base).due()
    assert controller(window, "2026-11-26T02:30", **base).due()


def test_an_unreachable_portal_means_offline_not_an_error(window: Any, qtbot: Any) -> None:
    ctrl = controller(window, "2026-11-25T23:00", sync_interval_min=60,
                      portal_url="http://127.0.0.1:1")
    ctrl.auto_tick()
    assert not ctrl.is_syncing
    assert window.online_label.text() == "Offline"
    assert window.ctx.errors == []


def test_sync_progress_appears_only_after_half_a_second(window: Any, qtbot: Any) -> None:
    from desktop.sync.engine import SyncProgress
    from desktop.sync.http import CancelToken

    page, ctrl = window.sync, window.sync_controller
    window.navigate("sync")
    ctrl._cancel = CancelToken()  # as if a sync were running
    try:
        ctrl.started.emit()
        ctrl.progressed.emit(SyncProgress("changes", 1500, 200_000, 6000, ""))
        qtbot.wait(200)
        assert not page.progress_box.isVisible()
        qtbot.waitUntil(page.progress_box.isVisible, timeout=2000)
        assert "1" in page.stats_label.text() and page.bar.maximum() == 6000
        assert not page.sync_button.isEnabled() and page.cancel_button.isEnabled()
    finally:
        ctrl._cancel = None
        ctrl.finished.emit(None, None)
    assert not page.progress_box.isVisible() and page.sync_button.isEnabled()
