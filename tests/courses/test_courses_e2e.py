"""End to end: courses and the library in use against a real portal process (``--demo``),
real SQLite replicas and real HTTP; lost answers come from tests/faultproxy.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from desktop.paths import Paths
from desktop.store import Store
from desktop.sync.community import signin, sync_community
from desktop.sync.downloads import Downloader, check_free_space, sha256_file
from desktop.sync.engine import sync_catalog
from desktop.sync.http import RetryPolicy, SyncError
from tests.faultproxy import FaultProxy
from tests.portal_process import portal_cli, running_portal

pytestmark = pytest.mark.e2e

FAST = RetryPolicy(attempts=4, base_delay=0.05, max_delay=0.2)
NO_RETRY = RetryPolicy(attempts=1)
DEAD_URL = "http://127.0.0.1:9"
PORTAL_ARGS = ("--demo", "--resources", "30", "--posts", "200", "--seed", "5")
COURSE = "pd-cor-librarians"


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("portal")
    with running_portal(data, *PORTAL_ARGS) as url:
        yield url, data


def _signed_in(url: str, tmp_path: Path, name: str = "desktop", login: str = "demo",
               catalog: bool = True) -> tuple[Store, Paths, str]:
    paths = Paths(tmp_path / name).ensure()
    store = Store(paths.database)
    if catalog:
        sync_catalog(store, url, paths=paths, policy=FAST)
    token, _user = signin(url, login, "demo", f"test {name}")
    sync_community(store, url, token, paths=paths, policy=FAST)
    return store, paths, token


def _portal_progress(data: Path, association: str) -> list[dict]:
    done = portal_cli(data, "course-progress", association, "--json")
    return json.loads(done.stdout)["members"]


def _demo_association(store: Store) -> str:
    return sorted(a for a in store.memberships() if a.startswith("reg-"))[0]


def _complete_everything(store: Store, course_id: str) -> None:
    course = store.course(course_id)
    for module in course["modules"]:
        for lesson in module["lessons"]:
            for m in lesson["materials"]:
                store.mark_item(course_id, m["id"], "opened")
                store.mark_item(course_id, m["id"], "completed")
            for t in lesson["tasks"]:
                if t["kind"] == "checklist":
                    store.mark_item(course_id, t["id"], "completed",
                                    checked=list(range(len(t["items"]))))
                else:
                    store.mark_item(course_id, t["id"], "completed",
                                    answer="Подобрала ресурсы для уроков в 5–7 классах.")


def test_course_arrives_and_progress_goes_out_exactly_once(portal, tmp_path):
    url, data = portal
    store, paths, token = _signed_in(url, tmp_path)
    [course] = [c for c in store.courses() if c["id"] == COURSE]
    assert course["title"].startswith("Цифровые образовательные ресурсы")
    assert not course["enrolled"]

    # Offline: enrol and work through the whole course.
    store.enroll(COURSE)
    _complete_everything(store, COURSE)
    status = store.course_status(COURSE)
    assert status["complete"] and status["required_done"] == status["required_total"]
    with pytest.raises(SyncError):
        sync_community(store, DEAD_URL, token, paths=paths, policy=NO_RETRY)
    unsent = store.outbox_count()
    # opened+completed of one material fold into one op: one enrol + one op per item
    assert unsent == 1 + status["items_total"]

    # The answer to the first sync is cut: the retry answers "duplicate", nothing doubles.
    with FaultProxy(url) as proxy:
        proxy.cut_after("/api/v1/sync", 0)
        sync_community(store, proxy.url, token, paths=paths, policy=FAST,
                       refresh_account=False)
    states = {o.state for o in store.outbox()}
    assert states <= {"applied", "duplicate"} and "duplicate" in states
    assert store.outbox_count() == 0
    assert store.enrollment(COURSE)["completed"] is not None  # the portal's completion
    # Replaying the same ops by hand: every one answers duplicate, nothing changes.
    items = store.outbox()
    again = requests.post(f"{url}/api/v1/sync", json={
        "protocol": 1, "cursors": {"directory": 0}, "ops": [i.wire() for i in items]},
        headers={"Authorization": f"Bearer {token}", "accept-encoding": "identity"},
        timeout=30)
    assert again.status_code == 200, again.text
    lines = [json.loads(x) for x in again.text.splitlines() if x.strip()]
    assert {x["result"] for x in lines if x.get("t") == "op"} == {"duplicate"}

    rows = [r for r in _portal_progress(data, _demo_association(store))
            if r["user_id"] == "u-0000" and r["course_id"] == COURSE]
    assert len(rows) == 1
    assert rows[0]["required_done"] == rows[0]["required_total"] and rows[0]["completed"]
    store.close()


def test_progress_on_a_second_device_merges_forward_only(portal, tmp_path):
    url, _data = portal
    a, a_paths, token = _signed_in(url, tmp_path, "pc-a", login="metodist")
    b, b_paths, token_b = _signed_in(url, tmp_path, "pc-b", login="metodist")
    course = a.course(COURSE)
    first = course["modules"][0]["lessons"][0]["materials"][0]["id"]
    a.enroll(COURSE)
    a.mark_item(COURSE, first, "completed")
    sync_community(a, url, token, paths=a_paths, policy=FAST)
    sync_community(b, url, token_b, paths=b_paths, policy=FAST)  # b learns the enrolment
    b.mark_item(COURSE, first, "opened")  # older news from another device
    sync_community(b, url, token_b, paths=b_paths, policy=FAST)
    assert b.course_progress(COURSE)[first]["state"] == "completed"
    a.close()
    b.close()


def test_course_downloaded_then_opened_with_the_network_gone(tmp_path):
    portal_data = tmp_path / "portal"
    with running_portal(portal_data, *PORTAL_ARGS) as url:
        store, paths, token = _signed_in(url, tmp_path)
        plan = store.course_download_plan(COURSE)
        assert plan["files_needed"] > 0 and plan["bytes_needed"] > 0 and not plan["missing"]
        check_free_space(paths.files, plan["bytes_needed"])  # the same check the UI makes
        store.queue_course_download(COURSE)
        Downloader(store, url, paths.files, policy=FAST).run()
        assert store.course_download_plan(COURSE)["bytes_needed"] == 0
        store.enroll(COURSE)
    # The portal process is gone: every material opens from local files, progress is kept.
    with pytest.raises(SyncError):
        sync_community(store, url, token, paths=paths, policy=NO_RETRY)
    course = store.course(COURSE)
    opened = 0
    for module in course["modules"]:
        for lesson in module["lessons"]:
            for m in lesson["materials"]:
                res = store.get_resource(m["resource_id"])
                assert res["downloaded"]
                for f in res["files"]:
                    path = paths.files / f["path"]
                    assert sha256_file(path) == f["sha256"]
                store.mark_item(COURSE, m["id"], "opened")
                opened += 1
    assert store.course_status(COURSE)["opened"] == opened
    assert store.outbox_count() == 1 + opened
    store.close()


def test_coordinator_report_is_for_coordinators_only(portal, tmp_path):
    url, _data = portal
    store, _paths, token = _signed_in(url, tmp_path, "coord", login="metodist", catalog=False)
    coordinated = sorted(a for a, r in store.memberships().items() if r == "coordinator")
    assert coordinated
    ok = requests.get(f"{url}/api/v1/associations/{coordinated[0]}/course-progress",
                      headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert ok.status_code == 200 and isinstance(ok.json()["members"], list)
    demo_token, _user = signin(url, "demo", "demo", "report test")
    denied = requests.get(f"{url}/api/v1/associations/{coordinated[0]}/course-progress",
                          headers={"Authorization": f"Bearer {demo_token}"}, timeout=30)
    assert denied.status_code == 403
    anonymous = requests.get(f"{url}/api/v1/associations/{coordinated[0]}/course-progress",
                             timeout=30)
    assert anonymous.status_code == 401
    store.close()


def test_reviews_one_per_user_editable_and_visible_to_others(portal, tmp_path):
    url, _data = portal
    store, paths, token = _signed_in(url, tmp_path)
    rid = store.course(COURSE)["modules"][0]["lessons"][0]["materials"][0]["resource_id"]
    store.save_review(rid, 4, "Использовала на классном часе в 7 классе.")
    store.save_review(rid, 5, "Провела урок в 6 «Б»: дети работали в парах.")  # folds
    assert store.outbox_count() == 1
    sync_community(store, url, token, paths=paths, policy=FAST)
    store.save_review(rid, 3, "Второй раз — сложнее: не хватило времени.")
    sync_community(store, url, token, paths=paths, policy=FAST)
    other, _p, _t = _signed_in(url, tmp_path, "colleague", login="metodist", catalog=False)
    mine = [r for r in other.reviews(rid) if r["author_id"] == "u-0000"]
    assert len(mine) == 1 and mine[0]["rating"] == 3 and "Второй раз" in mine[0]["body_md"]
    assert other.rating_summary(rid)["count"] >= 1
    store.close()
    other.close()


def test_lesson_set_private_until_shared_with_an_association(portal, tmp_path):
    url, _data = portal
    store, paths, token = _signed_in(url, tmp_path)
    assoc = _demo_association(store)
    rids = [r for r in (store.course(COURSE)["modules"][0]["lessons"][0]["materials"])]
    set_id, _op, _c = store.save_lesson_set(None, "Уроки к Неделе науки",
                                            [m["resource_id"] for m in rids])
    sync_community(store, url, token, paths=paths, policy=FAST)
    colleague, c_paths, c_token = _signed_in(url, tmp_path, "colleague", login="metodist",
                                             catalog=False)
    if f"assoc:{assoc}" not in colleague.community_streams():
        colleague.follow("association", assoc, True)
        sync_community(colleague, url, c_token, paths=c_paths, policy=FAST)
    assert all(s["id"] != set_id for s in colleague.shared_lesson_sets())
    # Another user cannot read the owner's private stream.
    peek = requests.post(f"{url}/api/v1/sync", json={
        "protocol": 1, "cursors": {"user:u-0000": 0}, "ops": []},
        headers={"Authorization": f"Bearer {c_token}"}, timeout=30)
    assert peek.status_code == 403 and colleague.lesson_set(set_id) is None
    store.save_lesson_set(set_id, "Уроки к Неделе науки", [m["resource_id"] for m in rids],
                          shared_with=assoc)
    sync_community(store, url, token, paths=paths, policy=FAST)
    sync_community(colleague, url, c_token, paths=c_paths, policy=FAST)
    shared = [s for s in colleague.shared_lesson_sets(assoc) if s["id"] == set_id]
    assert len(shared) == 1 and shared[0]["owner"]
    # Unsharing takes it back from the association.
    store.save_lesson_set(set_id, "Уроки к Неделе науки", [m["resource_id"] for m in rids],
                          shared_with=None)
    sync_community(store, url, token, paths=paths, policy=FAST)
    sync_community(colleague, url, c_token, paths=c_paths, policy=FAST)
    assert all(s["id"] != set_id for s in colleague.shared_lesson_sets())
    # A colleague cannot overwrite it (the id is the owner's).
    colleague.save_lesson_set(set_id, "Чужая подборка", [])
    sync_community(colleague, url, c_token, paths=c_paths, policy=FAST)
    [item] = [o for o in colleague.outbox() if o.data.get("id") == set_id]
    assert item.state == "rejected" and item.reason == "id_taken"
    store.close()
    colleague.close()


def test_post_linking_a_resource_shows_on_the_resource(portal, tmp_path):
    url, _data = portal
    store, paths, token = _signed_in(url, tmp_path)
    rid = store.course(COURSE)["modules"][1]["lessons"][0]["materials"][0]["resource_id"]
    from tests.community_support import reply_thread

    thread_id = reply_thread(store)
    store.write_reply(thread_id, f"Пробовали [этот урок](okno://resource/{rid})? Мне помог.")
    store.write_reply(thread_id, f"Другой: okno://resource/{rid}0 — не тот.")
    sync_community(store, url, token, paths=paths, policy=FAST)
    links = store.linked_discussions(rid)
    assert len(links) == 1 and links[0]["thread_id"] == thread_id
    store.close()
