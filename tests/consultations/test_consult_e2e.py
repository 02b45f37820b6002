"""End to end: consultations, events and leaders between desktop replicas and a real portal
process (``--demo``), over real HTTP and real SQLite files; lost answers from faultproxy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop.paths import Paths
from desktop.store import Store
from desktop.sync.community import signin, sync_community
from desktop.sync.http import RetryPolicy, SyncError
from tests.faultproxy import FaultProxy
from tests.portal_process import portal_cli, running_portal

pytestmark = pytest.mark.e2e

FAST = RetryPolicy(attempts=4, base_delay=0.05, max_delay=0.2)
NO_RETRY = RetryPolicy(attempts=1)
DEAD_URL = "http://127.0.0.1:9"
PORTAL_ARGS = ("--demo", "--resources", "20", "--posts", "200", "--seed", "3")
ASSOC = "reg-45"


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("portal")
    with running_portal(data, *PORTAL_ARGS) as url:
        pwfile = data / "pw.txt"
        pwfile.write_text("demo\n", encoding="utf-8")
        portal_cli(data, "user-add", "--login", "kollega", "--name", "Смирнова Ольга Ивановна",
                   "--id", "u-kollega", "--password-file", str(pwfile))
        portal_cli(data, "assoc-member", "kollega", ASSOC)
        yield url, data


class Client:
    """One desktop replica signed in as ``login``."""

    def __init__(self, url: str, tmp_path: Path, login: str, name: str | None = None) -> None:
        self.url = url
        self.paths = Paths(tmp_path / (name or login)).ensure()
        self.store = Store(self.paths.database)
        self.token, _user = signin(url, login, "demo", f"test {login}")
        self.sync()

    def sync(self, url: str | None = None, **kwargs) -> None:
        sync_community(self.store, url or self.url, self.token, paths=self.paths,
                       policy=kwargs.pop("policy", FAST), **kwargs)

    def close(self) -> None:
        self.store.close()


@pytest.fixture
def clients(portal, tmp_path):
    url, _data = portal
    made: list[Client] = []

    def make(login: str, name: str | None = None) -> Client:
        c = Client(url, tmp_path, login, name)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def _portal_questions(url: str, tmp_path: Path, title: str) -> int:
    """How many questions titled ``title`` the portal holds: read through a fresh replica."""
    observer = Client(url, tmp_path, "metodist", f"observer-{len(list(tmp_path.iterdir()))}")
    try:
        return sum(1 for q in observer.store.questions(ASSOC, limit=10_000)
                   if q["title"] == title)
    finally:
        observer.close()


def test_demo_consultations_reach_the_app_with_a_notice(clients):
    demo = clients("demo")
    mine = demo.store.questions(mine=True)
    assert len(mine) == 3 and {q["status"] for q in mine} == {"open", "answered"}
    assert all(q["association_name"] for q in mine)
    accepted = [q for q in mine if q["accepted_answer_id"]]
    assert accepted and demo.store.answers(accepted[0]["id"])[0]["accepted"] == 1
    # The demo's answered questions are reported once, after the sync that brought them.
    assert demo.store.take_answer_notices() == 2
    assert demo.store.take_answer_notices() == 0
    assert demo.store.unseen_answered_count() == 2
    demo.store.mark_answers_seen(accepted[0]["id"])
    assert demo.store.unseen_answered_count() == 1
    assert demo.store.events(association_id=ASSOC)
    leaders = demo.store.leaders(ASSOC)
    assert leaders[0]["rank"] == 1 and leaders[0]["level"] == 4 and leaders[0]["granted"]
    assert all(r["display_name"] for r in leaders)


def test_question_written_offline_reaches_portal_exactly_once(clients, portal, tmp_path):
    url, _data = portal
    demo = clients("demo")
    title = "Как оформить подписку на периодику через ЭДО? (offline)"
    qid, op_id, changes = demo.store.ask_question(ASSOC, "catalog", title, "Подробности…")
    assert changes.outbox and demo.store.question(qid)["local"] == 1
    with pytest.raises(SyncError):
        demo.sync(DEAD_URL, policy=NO_RETRY)
    assert [(o.op_id, o.state) for o in demo.store.outbox()] == [(op_id, "pending")]
    # An answer of one's own, written while the question is still unsent, depends on it.
    aid, answer_op, _ = demo.store.write_answer(qid, "Дополню: школа на УСН.")
    assert demo.store.outbox()[1].depends_on == op_id
    demo.sync()
    states = {o.op_id: o.state for o in demo.store.outbox()}
    assert states == {op_id: "applied", answer_op: "applied"}
    q = demo.store.question(qid)
    assert q["local"] == 0 and q["version"] >= 1 and q["answer_count"] == 1
    assert q["status"] == "open"  # the asker's own follow-up is not an answer
    demo.sync()
    assert demo.store.outbox_count() == 0
    assert _portal_questions(url, tmp_path, title) == 1


def test_lost_answer_is_retried_and_answered_duplicate(portal, tmp_path):
    url, _data = portal
    title = "Вопрос, чей ответ портала потерялся"
    with FaultProxy(url) as proxy:
        demo = Client(proxy.url, tmp_path, "demo")
        try:
            _qid, op_id, _ = demo.store.ask_question(ASSOC, "other", title, "Текст вопроса")
            proxy.cut_after("/api/v1/sync", 0)
            demo.sync(proxy.url, refresh_account=False)
            [item] = demo.store.outbox()
            assert (item.op_id, item.state) == (op_id, "duplicate")
        finally:
            demo.close()
    assert _portal_questions(url, tmp_path, title) == 1


def test_answer_notifies_the_asker_after_sync(clients):
    demo, metodist = clients("demo"), clients("metodist")
    demo.store.take_answer_notices()  # the demo's own older ones
    qid, _op, _ = demo.store.ask_question(ASSOC, "lessons", "Чем заменить проектор на уроке?",
                                          "Проектор сломался, урок через неделю.")
    demo.sync()
    metodist.sync()
    assert metodist.store.question(qid)["status"] == "open"
    metodist.store.write_answer(qid, "Используйте интерактивную доску или печатные карточки.")
    metodist.sync()
    demo.sync()
    q = demo.store.question(qid)
    assert (q["status"], q["answer_count"], q["unseen"]) == ("answered", 1, 1)
    assert demo.store.take_answer_notices() == 1
    assert demo.store.take_answer_notices() == 0  # reported once
    demo.store.mark_answers_seen(qid)
    assert demo.store.question(qid)["unseen"] == 0


def test_accept_answer_by_asker_and_methodologist_refused_for_others(clients):
    demo, kollega, metodist = clients("demo"), clients("kollega"), clients("metodist")
    qid, _op, _ = demo.store.ask_question(ASSOC, "digital", "Какой браузер поставить на старые ПК?",
                                          "Windows 7, 2 ГБ памяти.")
    demo.sync()
    kollega.sync()
    metodist.sync()
    a1, _, _ = kollega.store.write_answer(qid, "Попробуйте облегчённый браузер.")
    kollega.sync()
    a2, _, _ = metodist.store.write_answer(qid, "Лучше поставить Linux с браузером из реестра.")
    metodist.sync()
    kollega.sync()

    op_k, _ = kollega.store.accept_answer(qid, a1)  # neither asker nor methodologist
    kollega.sync()
    item = next(o for o in kollega.store.outbox() if o.op_id == op_k)
    assert (item.state, item.reason) == ("rejected", "not_authorized")

    demo.sync()
    op_d, _ = demo.store.accept_answer(qid, a1)  # the asker, offline first
    assert demo.store.pending_accept(qid) == a1
    assert demo.store.question(qid)["accepted_answer_id"] is None  # the portal decides
    demo.sync()
    assert next(o for o in demo.store.outbox() if o.op_id == op_d).state == "applied"
    assert demo.store.question(qid)["accepted_answer_id"] == a1
    assert demo.store.pending_accept(qid) is None

    metodist.sync()
    metodist.store.accept_answer(qid, a2)  # a methodologist may choose another
    metodist.sync()
    demo.sync()
    answers = {a["id"]: a["accepted"] for a in demo.store.answers(qid)}
    assert answers == {a1: 0, a2: 1}
    assert demo.store.question(qid)["accepted_answer_id"] == a2
    # The accepted answer counts for its author's level at once.
    level = next(r for r in demo.store.leaders(ASSOC, 1000) if r["user_id"] == "u-0001")
    assert level["sources"]["accepted_answers"] >= 1


def test_event_cached_offline_marked_and_exported(clients, portal, tmp_path):
    from icalendar import Calendar

    from desktop.ics import calendar_ics

    _url, data = portal
    starts = (datetime.now(UTC) + timedelta(days=5)).replace(microsecond=0)
    ends = starts + timedelta(hours=2)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    done = portal_cli(data, "event-add", "--association", ASSOC, "--kind", "seminar",
                      "--title", "Семинар; «Каталог, списание» и отчётность\\итоги",
                      "--starts", starts.strftime(fmt), "--ends", ends.strftime(fmt),
                      "--location", "г. Курган, ИРОСТ", "--description",
                      "Очень длинное описание семинара " * 8, "--author", "metodist")
    event_id = done.stdout.split()[1]
    demo = clients("demo")
    demo.close()
    # Offline: a new Store over the same file, no portal at all.
    demo.store = Store(demo.paths.database)
    event = demo.store.event(event_id)
    assert event["title"].startswith("Семинар;") and event["marked"] == 0
    op_id, _ = demo.store.mark_event(event_id, True, remind_minutes=90)
    assert demo.store.event(event_id)["remind_minutes"] == 90
    demo.sync()
    assert next(o for o in demo.store.outbox() if o.op_id == op_id).state == "applied"
    assert demo.store.event(event_id)["version"] >= 1

    ics = calendar_ics(demo.store.events(association_id=ASSOC), now=datetime.now(UTC),
                       name="Медиаспециалисты")
    assert ics.endswith(b"\r\n") and b"\n" not in ics.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in ics.split(b"\r\n"))
    cal = Calendar.from_ical(ics)
    vevents = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    ours = vevents[f"{event_id}@okno.events"]
    assert str(ours["SUMMARY"]) == "Семинар; «Каталог, списание» и отчётность\\итоги"
    assert ours["DTSTART"].dt == starts and ours["DTSTART"].dt.tzinfo is not None
    assert ours.walk("VALARM")[0]["TRIGGER"].dt == -timedelta(minutes=90)
    assert len(vevents) == len(demo.store.events(association_id=ASSOC))

    # Reminders: an injected clock, never the sync order.
    before = starts - timedelta(minutes=120)
    assert not [r for r in demo.store.due_reminders(before) if r["id"] == event_id]
    due = [r for r in demo.store.due_reminders(starts - timedelta(minutes=60))
           if r["id"] == event_id]
    assert due
    demo.store.note_reminder_shown(event_id, due[0]["starts"])
    assert not [r for r in demo.store.due_reminders(starts - timedelta(minutes=30))
                if r["id"] == event_id]
    assert not demo.store.due_reminders(starts + timedelta(minutes=1))


def test_events_created_by_coordinators_only(clients):
    demo, metodist = clients("demo"), clients("metodist")
    starts, ends = "2027-02-01T06:00:00Z", "2027-02-01T08:00:00Z"
    ev_m, op_m, _ = metodist.store.create_event(ASSOC, "webinar", "Вебинар из программы",
                                                starts, ends, url="https://example.ru/w")
    ev_d, op_d, _ = demo.store.create_event(ASSOC, "meeting", "Встреча без прав", starts, ends)
    metodist.sync()
    demo.sync()
    assert next(o for o in metodist.store.outbox() if o.op_id == op_m).state == "applied"
    refused = next(o for o in demo.store.outbox() if o.op_id == op_d)
    assert (refused.state, refused.reason) == ("rejected", "not_authorized")
    assert demo.store.event(ev_m)["title"] == "Вебинар из программы"
    metodist.store.cancel_event(ev_m)
    metodist.sync()
    demo.sync()
    assert demo.store.event(ev_m)["cancelled"] == 1


def test_level_grant_by_coordinator_and_recompute_cli(clients, portal):
    _url, data = portal
    demo, metodist = clients("demo"), clients("metodist")
    op_d, _ = demo.store.grant_level(ASSOC, "u-0000", True)
    demo.sync()
    refused = next(o for o in demo.store.outbox() if o.op_id == op_d)
    assert (refused.state, refused.reason) == ("rejected", "not_authorized")
    metodist.store.grant_level(ASSOC, "u-kollega", True)
    metodist.sync()
    demo.sync()
    row = next(r for r in demo.store.leaders(ASSOC, 1000) if r["user_id"] == "u-kollega")
    assert (row["level"], row["granted"]) == (4, 1)
    assert demo.store.member_levels("u-kollega")[ASSOC] == 4
    metodist.store.grant_level(ASSOC, "u-kollega", False)
    metodist.sync()
    out = portal_cli(data, "leaders-recompute").stdout
    assert "recomputed" in out
    demo.sync()
    row = next(r for r in demo.store.leaders(ASSOC, 1000) if r["user_id"] == "u-kollega")
    assert row["granted"] == 0 and row["level"] < 4
    grant = portal_cli(data, "leader-grant", "kollega", ASSOC, "--by", "metodist").stdout
    assert "level 4 (granted)" in grant


def test_cli_sync_reports_answered_questions(portal, tmp_path):
    import subprocess
    import sys

    url, _data = portal
    metodist = Client(url, tmp_path, "metodist")
    env_dir = tmp_path / "cli"
    base = [sys.executable, "-m", "desktop.cli", "--data", str(env_dir), "--portal", url]
    env = {"OKNO_TOKEN_STORE": "file", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "LANG": "C.UTF-8", "PYTHONUTF8": "1"}
    subprocess.run([*base, "signin", "demo"], input="demo\n", text=True, check=True,
                   env=env, capture_output=True, timeout=120)
    first = subprocess.run([*base, "sync", "--no-files"], text=True, env=env,
                           capture_output=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "of your questions were answered" in first.stdout
    again = subprocess.run([*base, "sync", "--no-files"], text=True, env=env,
                           capture_output=True, timeout=300)
    assert "of your questions were answered" not in again.stdout
    metodist.close()
