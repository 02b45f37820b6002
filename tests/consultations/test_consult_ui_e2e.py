"""The app against a real portal: sign in, sync with the window's sync controller (real
threads), then the Consultations page says how many of my questions were answered, and
the Events and Leaders pages show the association's calendar and levels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from desktop.paths import Paths
from tests.portal_process import running_portal

pytestmark = [pytest.mark.ui, pytest.mark.e2e]


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory: pytest.TempPathFactory):
    with running_portal(tmp_path_factory.mktemp("portal"), "--demo", "--resources", "20",
                        "--posts", "150") as url:
        yield url


def test_sync_then_answered_notice_calendar_and_leaders(qtbot: Any, make_ctx: Any,
                                                         tmp_path: Path, portal_url: str,
                                                         monkeypatch: Any) -> None:
    from desktop.store import Store
    from desktop.sync.community import me, signin
    from desktop.sync.credentials import save_token
    from desktop.ui.consultations_page import install_consultations
    from desktop.ui.events_page import install_events
    from desktop.ui.leaders_page import install_leaders
    from desktop.ui.mainwindow import MainWindow

    monkeypatch.setenv("OKNO_TOKEN_STORE", "file")
    paths = Paths(tmp_path / "client").ensure()
    token, user = signin(portal_url, "demo", "demo", "test")
    save_token(paths.data, portal_url, token)
    store = Store(paths.database)
    store.set_community_user(user, me(portal_url, token)["streams"])
    store.close()

    ctx = make_ctx(paths, inline=False, portal_url=portal_url)
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    consult = install_consultations(win)
    events = install_events(win)
    events.timer.stop()
    leaders = install_leaders(win)
    win.show()
    win.start()
    win.sync_controller.stop_timers()
    win.navigate("consultations")

    with qtbot.waitSignal(win.sync_controller.finished, timeout=120_000) as done:
        assert win.sync_now()
    assert done.args[1] is None, done.args[1]
    qtbot.waitUntil(lambda: consult.notice.isVisible(), timeout=10_000)
    assert consult.notice.text().startswith("2 of your questions were answered")
    qtbot.waitUntil(lambda: consult.model.rowCount() >= 5, timeout=10_000)
    qtbot.waitUntil(lambda: win.sidebar.item(win.page_names.index("consultations")).text()
                    == "Consultations (2)", timeout=10_000)
    qtbot.waitUntil(lambda: events.model.rowCount() >= 5, timeout=10_000)
    leaders.select_association("reg-45")
    qtbot.waitUntil(lambda: leaders.model.rowCount() > 3, timeout=10_000)
    assert leaders.model.row(0)["granted"] == 1

    # Offline: ask a question; the next sync sends it exactly once.
    consult.submit_question("reg-45", "other", "Вопрос из окна приложения", "Текст вопроса")
    qtbot.waitUntil(lambda: any(i.type == "question.ask" for i in ctx.reader.outbox()),
                    timeout=10_000)
    with qtbot.waitSignal(win.sync_controller.finished, timeout=120_000) as done:
        assert win.sync_now()
    assert done.args[1] is None, done.args[1]
    [item] = [i for i in ctx.reader.outbox() if i.type == "question.ask"]
    assert item.state == "applied"
    assert ctx.reader.question(item.data["id"])["local"] == 0
    win.close()
