"""The store's boundaries: no Qt, one writer thread, counts for the status bar."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from desktop.store import Store, StoreError
from tests.store.factories import resource_data

ROOT = Path(__file__).resolve().parents[2]


def test_store_imports_and_works_with_pyside6_blocked(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "sys.modules['PySide6'] = None\n"  # any 'import PySide6...' now raises ImportError
        "from pathlib import Path\n"
        "import desktop.store as s\n"
        "st = s.Store(Path(sys.argv[1]))\n"
        "print(st.search('уравнения'), st.counts()['resources'])\n"
        "st.close()\n"
        "assert not [m for m in sys.modules if m.startswith('PySide6') and sys.modules[m]]\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "okno.sqlite3")],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[] 0"


def test_store_refuses_a_foreign_thread(store: Store) -> None:
    errors: list[BaseException] = []

    def other() -> None:
        try:
            store.set_portal_id("p")
        except BaseException as exc:  # the test inspects it
            errors.append(exc)

    worker = threading.Thread(target=other)
    worker.start()
    worker.join()
    assert len(errors) == 1 and isinstance(errors[0], StoreError)
    assert "thread" in str(errors[0])


def test_counts(store: Store, publish) -> None:
    publish(resource_data("r1"), resource_data("r2"))
    counts = store.counts()
    assert counts["resources"] == 2 and counts["collections"] == 0
    assert counts["pending_downloads"] == 0 and counts["cursors"] == {"catalog": 2}


def test_rows_keep_the_asked_order_and_skip_missing(store: Store, publish) -> None:
    publish(resource_data("r1", "Б", subjects=["Физика"], grades=[7, 8]),
            resource_data("r2", "А"))
    r1, r2 = store.get_resource("r1")["rowid"], store.get_resource("r2")["rowid"]
    assert [row["id"] for row in store.rows([r2, 999, r1])] == ["r2", "r1"]
    row = store.rows([r1])[0]
    assert row == {"rowid": r1, "id": "r1", "title": "Б", "type": "lesson",
                   "subjects": ["Физика"], "grades": [7, 8], "downloaded": False}
    assert store.get_resource(r1)["id"] == "r1"


def test_closed_store_cannot_be_used(db_path: Path) -> None:
    store = Store(db_path)
    store.close()
    with pytest.raises(sqlite3.ProgrammingError):
        store.search("")
