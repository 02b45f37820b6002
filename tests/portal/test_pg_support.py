"""The throwaway PostgreSQL of scripts/pg.sh, and database URLs."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest

from portal import db
from tests.pg_support import find_bin_dir

ROOT = Path(__file__).resolve().parents[2]


def test_plain_postgresql_urls_use_psycopg_3():
    assert db.database_url("postgresql://okno@/okno?host=/run/pg") == \
        "postgresql+psycopg://okno@/okno?host=/run/pg"
    assert db.database_url("postgres://u:p@db:5432/okno") == "postgresql+psycopg://u:p@db:5432/okno"
    assert db.database_url("postgresql+psycopg://u@/d") == "postgresql+psycopg://u@/d"


@pytest.mark.skipif(find_bin_dir() is None, reason="PostgreSQL server programs not installed")
def test_pg_script_starts_a_cluster_a_portal_can_use_and_stops_it():
    # Not under tmp_path: as root the server runs as "postgres", who must reach the directory.
    root = Path(tempfile.mkdtemp(prefix="okno-pgtest-")) / "pg"
    root.parent.chmod(0o755)

    def pg(*args: str) -> str:
        done = subprocess.run(["bash", str(ROOT / "scripts" / "pg.sh"), *args, str(root)],
                              capture_output=True, text=True, timeout=120, check=True)
        return done.stdout.strip()

    url = pg("start")
    try:
        assert url.startswith("postgresql+psycopg://") and pg("url") == url
        assert pg("start") == url  # already running: same answer
        engine = db.open_engine(url)
        assert db.migrate(engine) == len(db.MIGRATIONS)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW fsync").scalar() == "off"
        engine.dispose()
    finally:
        pg("stop")
        root.parent.rmdir()
