"""Fixtures for the UI tests: a real SQLite library, an inline task manager, the window."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

from desktop.paths import Paths  # noqa: E402
from tests.ui.data import fill_store  # noqa: E402


@pytest.fixture
def library_paths(tmp_path: Path) -> Paths:
    """A data folder holding a real store with 300 resources in 4 collections."""
    from desktop.store import Store

    paths = Paths(tmp_path / "data").ensure()
    store = Store(paths.database)
    fill_store(store, 300)
    store.close()
    return paths


@pytest.fixture
def make_ctx(qtbot: Any) -> Iterator[Any]:
    """``make_ctx(paths, inline=True)`` -> an AppContext over the real store."""
    from desktop.ui.app import open_main_reader, store_openers
    from desktop.ui.context import AppContext, ChangeHub
    from desktop.ui.settings import Settings
    from desktop.ui.tasks import TaskManager

    made: list[Any] = []
    errors: list[BaseException] = []

    def make(paths: Paths, inline: bool = True, language: str = "en", **settings: Any) -> Any:
        tasks = TaskManager(store_openers(paths), inline=inline,
                            error_handler=lambda _parent, exc: errors.append(exc))
        ctx = AppContext(paths=paths, settings=Settings(first_run_done=True, **settings),
                         tasks=tasks, reader=open_main_reader(paths), hub=ChangeHub(),
                         language=language, connections_for=store_openers,
                         reader_for=open_main_reader)
        ctx.errors = errors  # type: ignore[attr-defined]
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.tasks.shutdown()
        ctx.reader.close()
    assert errors == [], "an operation failed and would have shown an error dialog"


@pytest.fixture
def window(qtbot: Any, make_ctx: Any, library_paths: Paths) -> Any:
    from desktop.ui.mainwindow import MainWindow

    ctx = make_ctx(library_paths)
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    win.start()
    win.sync_controller.stop_timers()
    return win

