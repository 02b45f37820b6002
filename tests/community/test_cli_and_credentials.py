"""``okno signin/sync/status/signout`` as processes against a real portal, and the token's
fallback file (no keyring backend on a headless machine)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.store import Store
from desktop.sync import credentials
from tests.portal_process import running_portal

ROOT = Path(__file__).parents[2]


def _okno(data: Path, portal: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    return subprocess.run([sys.executable, "-m", "desktop.cli", "--data", str(data),
                           "--portal", portal, *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120)


def test_token_file_fallback_is_private(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    where = credentials.save_token(tmp_path, "http://portal", "okno_secret")
    assert where == "file"
    path = credentials.token_file(tmp_path)
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert credentials.load_token(tmp_path, "http://portal") == "okno_secret"
    assert credentials.load_token(tmp_path, "http://other") is None
    credentials.save_token(tmp_path, "http://other", "okno_2")
    credentials.clear_token(tmp_path, "http://portal")
    assert credentials.load_token(tmp_path, "http://portal") is None
    assert credentials.load_token(tmp_path, "http://other") == "okno_2"
    credentials.clear_token(tmp_path, "http://other")
    assert not path.exists()


def test_damaged_token_file_means_signed_out(tmp_path):
    credentials.token_file(tmp_path).write_text("{not json", encoding="utf-8")
    assert credentials.load_token(tmp_path, "http://portal") is None


@pytest.mark.e2e
def test_cli_signin_sync_status_signout(tmp_path):
    data = tmp_path / "desktop"
    with running_portal(tmp_path / "portal", "--demo", "--resources", "20",
                        "--posts", "200") as url:
        bad = _okno(data, url, "signin", "demo", stdin="wrong\n")
        assert bad.returncode == 1 and "Wrong login or password" in bad.stderr
        done = _okno(data, url, "signin", "demo", stdin="demo\n")
        assert done.returncode == 0, done.stderr
        token_path = credentials.token_file(data)
        assert stat.S_IMODE(token_path.stat().st_mode) == 0o600
        assert "okno_" in token_path.read_text(encoding="utf-8")

        done = _okno(data, url, "sync", "--no-files")
        assert done.returncode == 0, done.stderr
        assert "Community:" in done.stdout

        store = Store(data / "okno.sqlite3")
        thread = next(t for a in sorted(store.memberships()) for f in store.forums(a)
                      for t in store.threads(f["id"]) if not t["locked"])
        store.write_reply(thread["id"], "Ответ из командной строки")
        store.close()
        status = json.loads(_okno(data, url, "status", "--json").stdout)
        assert status["outbox_unsent"] == 1 and status["community_user"] == "demo"

        assert _okno(data, url, "sync", "--no-files").returncode == 0
        status = json.loads(_okno(data, url, "status", "--json").stdout)
        assert status["outbox_unsent"] == 0

        done = _okno(data, url, "signout")
        assert done.returncode == 0, done.stderr
        assert not token_path.exists()
        done = _okno(data, url, "sync", "--no-files")
        assert done.returncode == 0 and "Community:" not in done.stdout
