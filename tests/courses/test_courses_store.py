"""Courses, reviews and lesson sets in the wire format and the local Store (no portal)."""

from __future__ import annotations

from typing import Any

import pytest

from desktop.store import Store, StoreError
from protocol import courses as pcourses
from protocol.community import validate_op
from protocol.wire import OpResult, ProtocolError, Rec
from tests.ui.data import PORTAL, fill_store

USER = {"id": "u-0000", "login": "demo", "display_name": "Иванова Мария Петровна",
        "school": "МБОУ СОШ № 2"}


def course_data(**extra: Any) -> dict[str, Any]:
    return {
        "id": "pd-1", "title": "Курс для библиотекарей", "hours": 16, "modules": [
            {"id": "m1", "title": "Модуль", "lessons": [
                {"id": "l1", "title": "Урок", "materials": [
                    {"id": "a", "resource_id": "res-00001"},
                    {"id": "b", "resource_id": "res-00002", "required": False}],
                 "tasks": [{"id": "t", "title": "Ответ", "kind": "text"},
                           {"id": "c", "title": "Чек-лист", "kind": "checklist",
                            "items": ["раз", "два"]}]}]}],
        **extra}


def course_rec(seq: int = 1, version: int = 1) -> Rec:
    d = {**pcourses.course_content(course_data()), "version": version,
         "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z"}
    return Rec("directory", "course", "pd-1", version, seq, d)


@pytest.fixture
def store(tmp_path) -> Any:
    s = Store(tmp_path / "okno.sqlite3")
    fill_store(s, 10)
    s.set_community_user(USER)
    s.apply_page("directory", [course_rec()], 1, PORTAL)
    yield s
    s.close()


def test_course_content_checks_ids_and_tasks() -> None:
    assert pcourses.required_items(pcourses.course_content(course_data())) == ["a", "t", "c"]
    dup = course_data()
    dup["modules"][0]["lessons"][0]["tasks"][0]["id"] = "a"
    with pytest.raises(ProtocolError, match="used twice"):
        pcourses.course_content(dup)
    bad = course_data()
    bad["modules"][0]["lessons"][0]["tasks"][1]["items"] = []
    with pytest.raises(ProtocolError, match="checklist without items"):
        pcourses.course_content(bad)
    with pytest.raises(ProtocolError):
        pcourses.course_content(course_data(id="x" * 61))
    huge = course_data(modules=[
        {"id": f"m{i}", "title": "М", "lessons": [
            {"id": f"m{i}-l{j}", "title": "У", "body_md": "т" * 5000} for j in range(20)]}
        for i in range(10)])
    with pytest.raises(ProtocolError, match="larger than"):
        pcourses.course_content(huge)


def test_ops_are_validated() -> None:
    ok = validate_op({"op_id": "o1", "type": "course.progress", "data": {
        "course_id": "pd-1", "item_id": "c", "state": "completed", "checked": [1, 0, 1]}})
    assert ok.data["checked"] == [0, 1]
    for data in ({"resource_id": "r", "rating": 6}, {"resource_id": "r", "rating": "5"},
                 {"resource_id": "r", "rating": 3, "extra": 1}):
        assert type(validate_op({"op_id": "o2", "type": "review.set", "data": data})
                    ).__name__ == "BadOp"


def test_links_and_review_ids() -> None:
    text = ("[урок](okno://resource/res-1). И ещё okno://resource/res-10: и "
            "okno://resource/ пусто")
    assert pcourses.linked_resources(text) == {"res-1", "res-10"}
    assert pcourses.review_id("u-1", "res-1") == pcourses.review_id("u-1", "res-1")
    assert pcourses.review_id("u-1", "res-1") != pcourses.review_id("u-2", "res-1")


def test_progress_is_forward_only_and_folds_unsent_ops(store: Store) -> None:
    with pytest.raises(StoreError, match="enrol"):
        store.mark_item("pd-1", "a", "opened")
    enrol_op, _ = store.enroll("pd-1")
    assert store.enroll("pd-1")[0] is None  # already enrolled: no second op
    store.mark_item("pd-1", "a", "opened")
    store.mark_item("pd-1", "a", "completed")
    assert store.mark_item("pd-1", "a", "opened")[0] is None  # never back
    ops = [o for o in store.outbox() if o.type == "course.progress"]
    assert len(ops) == 1 and ops[0].data["state"] == "completed"
    assert ops[0].depends_on == enrol_op
    with pytest.raises(StoreError, match="answer"):
        store.mark_item("pd-1", "t", "completed", answer="  ")
    with pytest.raises(StoreError, match="check every item"):
        store.mark_item("pd-1", "c", "completed", checked=[0])
    store.mark_item("pd-1", "t", "completed", answer="Готово")
    assert not store.course_status("pd-1")["complete"]
    store.mark_item("pd-1", "c", "completed", checked=[0, 1])
    status = store.course_status("pd-1")
    assert status["complete"] and status["required_done"] == 3 and status["completed_at"]
    info = store.certificate_info("pd-1")
    assert info["name"] == USER["display_name"] and info["number"].startswith("OKNO-")


def test_portal_record_behind_an_unsent_mark_does_not_undo_it(store: Store) -> None:
    store.enroll("pd-1")
    store.mark_item("pd-1", "a", "completed")
    older = Rec("user:u-0000", "course_progress", "pd-1:a", 1, 1, {
        "id": "pd-1:a", "course_id": "pd-1", "item_id": "a", "state": "opened",
        "answer": None, "checked": None, "version": 1, "modified": "2026-01-01T00:00:00Z"})
    store.apply_page("user:u-0000", [older], 1, PORTAL)
    assert store.course_progress("pd-1")["a"]["state"] == "completed"


def test_download_plan_counts_only_what_is_missing(store: Store) -> None:
    plan = store.course_download_plan("pd-1")
    r1, r2 = store.get_resource("res-00001"), store.get_resource("res-00002")
    assert plan["bytes_needed"] == r1["files"][0]["size"] + r2["files"][0]["size"]
    store.queue_course_download("pd-1")
    sha = r1["files"][0]["sha256"]
    store.update_download(sha, state="downloading", bytes_done=1000)
    assert store.course_download_plan("pd-1")["bytes_needed"] == plan["bytes_needed"] - 1000
    store.mark_file_cached(sha, r1["files"][0]["size"], f"{sha[:2]}/{sha}")
    assert store.course_download_plan("pd-1")["files_needed"] == 1


def test_reviews_fold_and_rejected_ops_stay_visible(store: Store) -> None:
    store.save_review("res-00001", 4, "первый")
    op_id, _ = store.save_review("res-00001", 5, "второй")
    [op] = store.outbox(("pending",))
    assert op.op_id == op_id and op.data["rating"] == 5
    assert store.rating_summary("res-00001") == {"average": 5.0, "count": 1}
    with pytest.raises(StoreError):
        store.save_review("res-00001", 0)
    with pytest.raises(StoreError):
        store.save_review("res-99999", 3)
    store.record_op_results([OpResult(op_id, "rejected", "not_found", "gone", None, None)])
    assert store.outbox(("rejected",))[0].op_id == op_id


def test_lesson_sets_are_the_owners(store: Store) -> None:
    set_id, _op, _c = store.save_lesson_set(None, "Подборка", ["res-00001", "res-00001"])
    assert store.lesson_set(set_id)["resource_ids"] == ["res-00001"]
    store.add_to_lesson_set(set_id, "res-00002")
    ops = [o for o in store.outbox() if o.type == "lesson_set.save"]
    assert len(ops) == 1 and ops[0].data["resource_ids"] == ["res-00001", "res-00002"]
    with pytest.raises(StoreError):
        store.save_lesson_set(None, " ", [])
    store.delete_lesson_set(set_id)
    assert store.lesson_sets() == [] and store.outbox()[-1].type == "lesson_set.delete"
