"""End to end: the desktop community core against a real portal process (``--demo``), a
real SQLite replica and real HTTP; lost answers come from tests/faultproxy.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.paths import Paths
from desktop.store import Store
from desktop.sync.community import signin, sync_community
from desktop.sync.http import RetryPolicy, SyncError
from tests.community_support import reply_thread
from tests.faultproxy import FaultProxy
from tests.portal_process import portal_cli, running_portal

pytestmark = pytest.mark.e2e

FAST = RetryPolicy(attempts=4, base_delay=0.05, max_delay=0.2)
NO_RETRY = RetryPolicy(attempts=1)
DEAD_URL = "http://127.0.0.1:9"  # nothing listens there: "no connection"
PORTAL_ARGS = ("--demo", "--resources", "30", "--posts", "300", "--seed", "5")


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("portal")
    with running_portal(data, *PORTAL_ARGS) as url:
        yield url, data


def _client(tmp_path: Path, name: str = "desktop") -> tuple[Store, Paths]:
    paths = Paths(tmp_path / name).ensure()
    return Store(paths.database), paths


def _signed_in(url: str, tmp_path: Path, name: str = "desktop", login: str = "demo"
               ) -> tuple[Store, Paths, str]:
    store, paths = _client(tmp_path, name)
    token, _user = signin(url, login, "demo", f"test {name}")
    sync_community(store, url, token, paths=paths, policy=FAST)
    return store, paths, token


def _portal_copies(url: str, tmp_path: Path, thread_id: str, body: str) -> int:
    """How many posts with ``body`` the portal holds in the thread: read through a fresh
    replica, never trusting the client under test."""
    store, _paths, _token = _signed_in(url, tmp_path, "observer", login="metodist")
    try:
        return sum(1 for p in store.posts(thread_id, limit=10_000) if p["body_md"] == body)
    finally:
        store.close()


def test_first_community_sync_as_demo(portal, tmp_path):
    url, _data = portal
    store, _paths, _token = _signed_in(url, tmp_path)
    assert store.community_user()["id"] == "u-0000"
    assert store.associations() and store.memberships()
    thread_id = reply_thread(store)
    thread = store.thread(thread_id)
    assert thread["unread"] == thread["post_count"] - thread["read_number"]
    assert store.posts(thread_id)[0]["number"] == 1
    assert any(s.startswith("assoc:") for s in store.cursors())
    store.close()


def test_reply_written_offline_reaches_portal_exactly_once(portal, tmp_path):
    url, _data = portal
    store, paths, token = _signed_in(url, tmp_path)
    thread_id = reply_thread(store)
    body = "Коллеги, провела урок по вашей разработке — спасибо! (offline)"
    post_id, op_id, changes = store.write_reply(thread_id, body)
    assert thread_id in changes.threads and changes.outbox
    with pytest.raises(SyncError):
        sync_community(store, DEAD_URL, token, paths=paths, policy=NO_RETRY)
    assert [(o.op_id, o.state) for o in store.outbox()] == [(op_id, "pending")]

    sync_community(store, url, token, paths=paths, policy=FAST)
    assert store.outbox()[0].state == "applied"
    post = store.post(post_id)
    assert post["number"] is not None and post["local"] == 0
    assert store.outbox_count() == 0
    # A second sync sends nothing again.
    sync_community(store, url, token, paths=paths, policy=FAST)
    assert store.outbox()[0].state == "applied"
    assert _portal_copies(url, tmp_path, thread_id, body) == 1
    store.close()


def test_lost_answer_is_retried_and_answered_duplicate(portal, tmp_path):
    url, _data = portal
    with FaultProxy(url) as proxy:
        store, paths, token = _signed_in(proxy.url, tmp_path)
        thread_id = reply_thread(store)
        body = "Ответ, чей ответ портала потерялся"
        _post_id, op_id, _changes = store.write_reply(thread_id, body)
        # The portal applies the op, then the answer is cut before a single byte.
        proxy.cut_after("/api/v1/sync", 0)
        sync_community(store, proxy.url, token, paths=paths, policy=FAST,
                       refresh_account=False)
    [item] = store.outbox()
    assert (item.op_id, item.state) == (op_id, "duplicate")
    assert _portal_copies(url, tmp_path, thread_id, body) == 1
    store.close()


def test_lost_answer_then_restart_resends_same_op(portal, tmp_path):
    url, _data = portal
    with FaultProxy(url) as proxy:
        store, paths, token = _signed_in(proxy.url, tmp_path)
        thread_id = reply_thread(store)
        body = "Ответ после перезапуска программы"
        store.write_reply(thread_id, body)
        proxy.cut_after("/api/v1/sync", 0)
        with pytest.raises(SyncError):
            sync_community(store, proxy.url, token, paths=paths, policy=NO_RETRY,
                           refresh_account=False)
    assert store.outbox()[0].state == "sent"
    store.close()
    store = Store(paths.database)  # the app was restarted
    sync_community(store, url, token, paths=paths, policy=FAST)
    assert store.outbox()[0].state == "duplicate"
    assert _portal_copies(url, tmp_path, thread_id, body) == 1
    store.close()


_KILLED_WRITER = """
import os, sys
from pathlib import Path
from desktop.store import Store
store = Store(Path(sys.argv[1]))
post_id, op_id, _ = store.write_reply(sys.argv[2], "Сохранено перед сбоем питания")
print(op_id, flush=True)
os._exit(9)  # no close, no cleanup: as if the power went out before the sync
"""


def test_process_killed_between_save_and_send_keeps_the_op(portal, tmp_path):
    url, _data = portal
    store, paths, token = _signed_in(url, tmp_path)
    thread_id = reply_thread(store)
    store.close()
    done = subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(paths.database), thread_id],
                          capture_output=True, text=True, cwd=Path(__file__).parents[2],
                          env={**os.environ}, timeout=60)
    assert done.returncode == 9, done.stderr
    op_id = done.stdout.strip()
    store = Store(paths.database)
    assert [(o.op_id, o.state) for o in store.outbox()] == [(op_id, "pending")]
    sync_community(store, url, token, paths=paths, policy=FAST)
    assert store.outbox()[0].state == "applied"
    store.close()


def test_edit_conflict_keeps_both_versions(portal, tmp_path):
    url, _data = portal
    laptop, laptop_paths, laptop_token = _signed_in(url, tmp_path, "laptop")
    thread_id = reply_thread(laptop)
    post_id, _op, _ = laptop.write_reply(thread_id, "Исходный текст")
    sync_community(laptop, url, laptop_token, paths=laptop_paths, policy=FAST)
    school, school_paths, school_token = _signed_in(url, tmp_path, "school")
    assert school.post(post_id)["body_md"] == "Исходный текст"

    laptop.edit_post(post_id, "Правка с ноутбука")
    sync_community(laptop, url, laptop_token, paths=laptop_paths, policy=FAST)
    op_id, _ = school.edit_post(post_id, "Правка из школы")  # offline, on the old version
    sync_community(school, url, school_token, paths=school_paths, policy=FAST)

    [item] = [o for o in school.outbox() if o.op_id == op_id]
    assert item.state == "conflict"
    assert item.result["current"]["body_md"] == "Правка с ноутбука"
    post = school.post(post_id)
    assert post["body_md"] == "Правка с ноутбука"  # the portal's text
    assert post["local_body_md"] == "Правка из школы"  # the user's, kept
    # Keeping the local text: a new op based on the portal's version.
    school.edit_post(post_id, "Правка из школы", base_version=item.result["entity"]["version"])
    sync_community(school, url, school_token, paths=school_paths, policy=FAST)
    assert school.outbox()[-1].state == "applied"
    assert school.post(post_id)["body_md"] == "Правка из школы"
    assert school.post(post_id)["local_body_md"] is None
    laptop.close()
    school.close()


def test_revoked_token_asks_to_sign_in_again_and_keeps_outbox(tmp_path):
    data = tmp_path / "portal"
    with running_portal(data, *PORTAL_ARGS) as url:
        store, paths, token = _signed_in(url, tmp_path)
        thread_id = reply_thread(store)
        _post_id, op_id, _ = store.write_reply(thread_id, "Написано до отзыва входа")
        portal_cli(data, "user-revoke-tokens", "demo")
        with pytest.raises(SyncError) as err:
            sync_community(store, url, token, paths=paths, policy=FAST)
        assert err.value.code == "signin_required"
        assert "sign in again" in str(err.value).lower()
        assert [(o.op_id, o.state) for o in store.outbox()] == [(op_id, "pending")]
        token, _user = signin(url, "demo", "demo")
        sync_community(store, url, token, paths=paths, policy=FAST)
        assert store.outbox()[0].state == "applied"
        store.close()


def test_search_discussions_with_russian_morphology(portal, tmp_path):
    url, _data = portal
    store, _paths, _token = _signed_in(url, tmp_path)
    thread_id = reply_thread(store)
    post_id, _op, _ = store.write_reply(thread_id, "Провела открытые уроки с интерактивной доской")
    hits = store.search_discussions("урок")
    assert post_id in {h["id"] for h in hits}
    assert any(h["kind"] == "post" and h["id"] != post_id for h in hits)  # synced ones too
    assert post_id in {h["id"] for h in store.search_discussions("интерактивные доски")}
    store.close()


def test_forbidden_stream_is_evicted_and_unfollowed(portal, tmp_path):
    url, _data = portal
    store, paths, token = _signed_in(url, tmp_path)
    council = next(a["id"] for a in store.associations() if a["visibility"] == "private")
    assert council not in store.memberships()
    op_id, _ = store.follow("association", council, True)
    assert f"assoc:{council}" in store.community_streams()
    result = sync_community(store, url, token, paths=paths, policy=FAST)
    assert f"assoc:{council}" not in store.community_streams()
    assert result.changes.community
    [item] = [o for o in store.outbox() if o.op_id == op_id]
    assert item.state == "rejected" and item.reason  # visible, never dropped
    # The next sync is clean.
    sync_community(store, url, token, paths=paths, policy=FAST)
    store.close()


def test_reply_survives_portal_restart_after_lost_answer(tmp_path):
    data = tmp_path / "portal"
    with running_portal(data, *PORTAL_ARGS) as url:
        with FaultProxy(url) as proxy:
            store, paths, token = _signed_in(proxy.url, tmp_path)
            thread_id = reply_thread(store)
            body = "Ответ, отправленный перед перезапуском портала"
            store.write_reply(thread_id, body)
            proxy.cut_after("/api/v1/sync", 0)
            with pytest.raises(SyncError):
                sync_community(store, proxy.url, token, paths=paths, policy=NO_RETRY,
                               refresh_account=False)
    with running_portal(data, *PORTAL_ARGS) as url:  # the same database, a new process
        sync_community(store, url, token, paths=paths, policy=FAST)
        assert store.outbox()[0].state == "duplicate"
        assert _portal_copies(url, tmp_path, thread_id, body) == 1
    store.close()


def test_two_copies_of_one_outbox_apply_once(portal, tmp_path):
    """A school copies its data folder to a second PC before syncing: both send the op."""
    import shutil

    url, _data = portal
    store, paths, token = _signed_in(url, tmp_path, "first")
    thread_id = reply_thread(store)
    body = "Одно сообщение в двух копиях папки данных"
    store.write_reply(thread_id, body)
    store.close()
    shutil.copytree(paths.data, tmp_path / "second")
    first, second = Store(paths.database), Store(tmp_path / "second" / "okno.sqlite3")
    sync_community(first, url, token, paths=paths, policy=FAST)
    sync_community(second, url, token, paths=Paths(tmp_path / "second"), policy=FAST)
    assert first.outbox()[0].state == "applied" and second.outbox()[0].state == "duplicate"
    assert _portal_copies(url, tmp_path, thread_id, body) == 1
    first.close()
    second.close()


def test_post_hidden_while_its_author_edits_offline(portal, tmp_path):
    url, _data = portal
    author, author_paths, author_token = _signed_in(url, tmp_path, "author")
    thread_id = reply_thread(author)
    post_id, _op, _ = author.write_reply(thread_id, "Текст до модерации")
    sync_community(author, url, author_token, paths=author_paths, policy=FAST)
    moderator, mod_paths, mod_token = _signed_in(url, tmp_path, "moderator", login="metodist")
    assert moderator.post(post_id) is not None
    hide_op, _ = moderator.moderate_post(post_id, "hide", "Проверяется модератором")
    sync_community(moderator, url, mod_token, paths=mod_paths, policy=FAST)
    assert [o.state for o in moderator.outbox() if o.op_id == hide_op] == ["applied"]

    edit_op, _ = author.edit_post(post_id, "Исправленный текст")  # offline, on the old version
    sync_community(author, url, author_token, paths=author_paths, policy=FAST)
    assert [o.state for o in author.outbox() if o.op_id == edit_op] == ["applied"]
    post = author.post(post_id)
    assert post["body_md"] == "Исправленный текст" and post["revision"] == 2
    assert post["hidden"] == 1 and post["hidden_reason"] == "Проверяется модератором"
    assert post["local_body_md"] is None
    author.close()
    moderator.close()


def test_hundred_offline_replies_go_out_in_one_request(portal, tmp_path):
    url, _data = portal
    store, paths, token = _signed_in(url, tmp_path)
    thread_id = reply_thread(store)
    for i in range(100):
        store.write_reply(thread_id, f"Ответ номер {i}: материалы к уроку")
    result = sync_community(store, url, token, paths=paths, policy=FAST, refresh_account=False)
    assert result.round_trips == 1
    assert {o.state for o in store.outbox()} == {"applied"}
    assert all(p["number"] is not None for p in store.posts(thread_id, limit=10_000))
    store.close()
