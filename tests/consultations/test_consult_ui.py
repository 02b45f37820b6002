"""The Consultations, Events and Leaders pages offscreen (pytest-qt): their models under
qtmodeltester, asking and answering offline, accepting, the after-sync notice, reminders with
an injected clock, .ics export; Russian screenshots into docs/screenshots/ on request."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator

from desktop.paths import Paths
from tests.consultations.ui_data import ASSOCIATIONS, ME, fill_consultations, today_utc

pytestmark = pytest.mark.ui

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TSV = Path("/tmp/okno-tr/consult.tsv")  # this feature's strings until the .ts files have them
CONTEXTS = ("AskQuestionDialog", "Consultations", "ConsultationsPage", "Events", "EventsPage",
            "Leaders", "LeadersPage", "NewEventDialog", "QuestionPanel")


@pytest.fixture
def consult_paths(library_paths: Paths) -> Paths:
    from desktop.store import Store

    store = Store(library_paths.database)
    fill_consultations(store, today_utc())
    store.close()
    return library_paths


def _community_window(qtbot: Any, ctx: Any) -> Any:
    """The main window with the Consultations, Events and Leaders pages, started."""
    from desktop.ui.consultations_page import install_consultations
    from desktop.ui.events_page import install_events
    from desktop.ui.leaders_page import install_leaders
    from desktop.ui.mainwindow import MainWindow

    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.consultations = install_consultations(win)
    win.events = install_events(win)
    win.events.timer.stop()  # reminders are driven by hand in the tests
    win.leaders = install_leaders(win)
    win.resize(1280, 800)
    win.show()
    win.start()
    win.sync_controller.stop_timers()
    return win


@pytest.fixture
def window(qtbot: Any, make_ctx: Any, consult_paths: Paths) -> Any:
    return _community_window(qtbot, make_ctx(consult_paths))


def test_pages_are_in_the_sidebar_with_the_unread_count(window: Any) -> None:
    names = window.page_names
    assert names.index("consultations") == names.index("discussions") + 1
    assert names.index("events") == names.index("consultations") + 1
    assert names.index("leaders") == names.index("events") + 1
    item = window.sidebar.item(names.index("consultations"))
    # The demo user's two answered questions have answers not opened yet.
    assert item.text() == "Consultations (2)"
    window.navigate("consultations")
    assert window.current_page() == "consultations"


def test_models_pass_the_model_tester(window: Any, qtmodeltester: Any) -> None:
    page = window.consultations
    assert page.model.rowCount() > 5
    qtmodeltester.check(page.model)
    qtmodeltester.check(window.events.model)
    assert window.events.model.rowCount() >= 5
    window.leaders.select_association("reg-45")
    assert window.leaders.model.rowCount() == 7
    qtmodeltester.check(window.leaders.model)


def _select(page: Any, scope: str) -> None:
    page.scope_combo.setCurrentIndex(page.scope_combo.findData(scope))


def test_my_questions_open_marks_answers_seen(window: Any) -> None:
    page = window.consultations
    _select(page, "mine")
    rows = [page.model.row(r) for r in range(page.model.rowCount())]
    assert len(rows) == 3 and all(r["author_id"] == ME for r in rows)
    answered = next(r for r in rows if r["accepted_answer_id"])
    assert page.model.data(page.model.index(rows.index(answered)),
                           page.model.UnseenRole) == 2
    page.list.setCurrentIndex(page.model.index(rows.index(answered)))
    assert page.panel.question_id == answered["id"]
    text = page.panel.browser.toPlainText()
    assert "✔ accepted answer" in text and "Акт оформляется" in text
    assert window.ctx.reader.question(answered["id"])["unseen"] == 0
    item = window.sidebar.item(window.page_names.index("consultations"))
    assert item.text() == "Consultations (1)"


def test_ask_and_answer_offline_then_accept(window: Any, qtbot: Any) -> None:
    page = window.consultations
    page.submit_question("reg-45", "digital", "Нужен ли антивирус на ПК в читальном зале?",
                         "Компьютеры без интернета.")
    reader = window.ctx.reader
    mine = reader.questions(mine=True)
    asked = next(q for q in mine if q["title"].startswith("Нужен ли антивирус"))
    assert asked["local"] == 1 and page.panel.question_id == asked["id"]
    assert "not sent yet" in page.panel.meta.text()
    page.panel.composer.setPlainText("Дополню: Windows 7.")
    page.panel.send_answer()
    assert page.panel.composer.toPlainText() == ""
    assert reader.answers(asked["id"])[0]["local"] == 1
    types = [o.type for o in reader.outbox()]
    assert types == ["question.ask", "answer.create"]

    # Accepting someone's answer to my question: an op; the portal's record decides.
    _select(page, "mine")
    other = next(q for q in reader.questions(mine=True) if q["answer_count"] and
                 not q["accepted_answer_id"])
    page.open_question(other["id"])
    assert page.panel.browser.page.actions == [("accept", reader.answers(other["id"])[0]["id"])]
    page.panel.browser.action.emit(*page.panel.browser.page.actions[0])
    assert reader.pending_accept(other["id"]) == reader.answers(other["id"])[0]["id"]
    assert "accepted (not sent yet)" in page.panel.browser.toPlainText()
    assert not page.panel.browser.page.actions


def test_answers_of_others_cannot_be_accepted_by_a_member(window: Any) -> None:
    page = window.consultations
    reader = window.ctx.reader
    foreign = next(q for q in reader.questions() if q["author_id"] != ME and
                   q["answer_count"] and not q["accepted_answer_id"])
    page.open_question(foreign["id"])
    assert page.panel.browser.page.actions == []  # no "accept" for a plain member


def test_after_sync_notice(window: Any) -> None:
    from desktop.ui.sync_controller import FullSyncResult

    page = window.consultations
    window.navigate("consultations")
    page.on_sync_finished(FullSyncResult(community=True), None)
    assert page.notice.isVisible()
    assert page.notice.text().startswith("2 of your questions were answered")
    assert "2 of your questions" in window.statusBar().currentMessage()
    page.on_sync_finished(FullSyncResult(community=True), None)
    assert page.notice.isHidden()  # each answer is reported once


def test_reminder_with_an_injected_clock_and_ics_export(window: Any, tmp_path: Path) -> None:
    from icalendar import Calendar

    page = window.events
    reader = window.ctx.reader
    webinar = next(e for e in reader.events() if e["kind"] == "webinar")
    starts = datetime.strptime(webinar["starts"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    row = next(r for r in range(page.model.rowCount()) if page.model.row(r)["id"] ==
               webinar["id"])
    page.table.selectRow(row)
    assert page.current_event["id"] == webinar["id"]
    page.set_reminder(True, 60)
    assert reader.event(webinar["id"])["remind_minutes"] == 60
    assert "★" in page.model.data(page.model.index(row, 4))

    clock = {"now": starts - timedelta(hours=3)}
    page.clock = lambda: clock["now"]
    page.check_reminders()
    assert page.shown_reminders == []
    clock["now"] = starts - timedelta(minutes=45)
    with_text: list[str] = []
    page.reminder.connect(with_text.append)
    page.check_reminders()
    assert [e["id"] for e in page.shown_reminders] == [webinar["id"]]
    assert "starts in 45 min" in with_text[0] and not page.notice.isHidden()
    page.check_reminders()  # shown once
    assert len(page.shown_reminders) == 1

    out = tmp_path / "calendar"
    page.ask_file = lambda suggested, _caption: str(tmp_path / suggested)
    page.export_event()
    one = Calendar.from_ical((tmp_path / f"okno-event-{webinar['id']}.ics").read_bytes())
    assert [str(e["UID"]) for e in one.walk("VEVENT")] == [f"{webinar['id']}@okno.events"]
    page.ask_file = lambda _suggested, _caption: str(out)
    page.export_calendar()
    whole = Calendar.from_ical(Path(f"{out}.ics").read_bytes())
    assert len(whole.walk("VEVENT")) == page.model.rowCount()


def test_events_hide_the_past_unless_asked(window: Any) -> None:
    page = window.events
    now = datetime.now(UTC)
    upcoming = page.model.rowCount()
    assert all(page.model.row(r)["ends"] >= now.strftime("%Y-%m-%dT%H:%M:%SZ")
               for r in range(upcoming))
    page.past_box.setChecked(True)
    assert page.model.rowCount() == upcoming + 1
    assert not page.new_button.isEnabled()  # the demo user coordinates nothing


def test_leaders_show_levels_and_sources(window: Any) -> None:
    page = window.leaders
    page.select_association("reg-45")
    m = page.model
    assert m.data(m.index(0, 2)) == "★ Network leader"
    assert "top level granted" in m.data(m.index(0, 1), 3)  # ToolTipRole
    assert m.data(m.index(1, 1)).startswith("Соколова Елена Викторовна")
    assert page.grant_button.isHidden()  # not a coordinator
    page.table.selectRow(1)
    assert "accepted answers: 14" in page.detail.text()


# -- screenshots in Russian ---------------------------------------------------------------


def _overlay(tmp_path: Path) -> QTranslator | None:
    """A translator built from this feature's list, until the .ts files carry its strings."""
    if not TSV.exists():
        return None
    root = ET.Element("TS", version="2.1", language="ru_RU")
    pairs = [line.split("\t", 1) for line in TSV.read_text(encoding="utf-8").splitlines()
             if "\t" in line]
    for name in CONTEXTS:
        ctx = ET.SubElement(root, "context")
        ET.SubElement(ctx, "name").text = name
        for src, ru in pairs:
            msg = ET.SubElement(ctx, "message")
            ET.SubElement(msg, "source").text = src.replace("\\n", "\n")
            ET.SubElement(msg, "translation").text = ru.replace("\\n", "\n")
    ts = tmp_path / "consult_ru.ts"
    ET.ElementTree(root).write(ts, encoding="utf-8", xml_declaration=True)
    qm = tmp_path / "consult_ru.qm"
    lrelease = Path(sys.executable).parent / "pyside6-lrelease"
    subprocess.run([str(lrelease), str(ts), "-qm", str(qm)], check=True, capture_output=True,
                   timeout=60)
    tr = QTranslator()
    assert tr.load(str(qm))
    return tr


@pytest.fixture
def ru_window(qtbot: Any, make_ctx: Any, consult_paths: Paths, qapp: Any,
              tmp_path: Path) -> Iterator[Any]:
    from desktop.ui.i18n import Translations

    translations = Translations(qapp)
    translations.use("ru")
    overlay = _overlay(tmp_path)
    if overlay is not None:
        qapp.installTranslator(overlay)
    ctx = make_ctx(consult_paths, language="ru")
    ctx.settings.portal_url = "http://portal.edu-region.ru"
    win = _community_window(qtbot, ctx)
    QCoreApplication.processEvents()
    yield win
    if overlay is not None:
        qapp.removeTranslator(overlay)
    translations.use("en")
    QCoreApplication.processEvents()


def _save(widget: Any, name: str, tmp_path: Path) -> Path:
    out = DOCS if os.environ.get("OKNO_UPDATE_SCREENSHOTS") == "1" else tmp_path
    QCoreApplication.processEvents()
    path = out / f"{name}.png"
    assert widget.grab().save(str(path))
    return path


def test_screenshots_in_russian(ru_window: Any, tmp_path: Path) -> None:
    win = ru_window
    page = win.consultations
    assert win.sidebar.item(win.page_names.index("consultations")).text().startswith(
        "Консультации" if TSV.exists() else "")
    win.navigate("consultations")
    page.notice.setText("С прошлой синхронизации ответы получили ваши вопросы: 2. Откройте "
                        "«Мои вопросы», чтобы прочитать ответы." if TSV.exists() else
                        page.notice.text())
    page.notice.show()
    row = next(r for r in range(page.model.rowCount())
               if page.model.row(r)["id"] == "q-0001")
    page.list.setCurrentIndex(page.model.index(row))
    _save(win, "consultations", tmp_path)

    win.navigate("events")
    events = win.events
    webinar = next(r for r in range(events.model.rowCount())
                   if events.model.row(r)["kind"] == "webinar")
    events.table.selectRow(webinar)
    events.set_reminder(True, 60)
    events.table.selectRow(0)
    _save(win, "events", tmp_path)

    win.navigate("leaders")
    win.leaders.select_association("reg-45")
    win.leaders.table.selectRow(1)
    path = _save(win, "leaders", tmp_path)
    assert path.stat().st_size > 10_000
    assert set(ASSOCIATIONS)  # the data the screenshots show


def test_new_event_dialog_gives_utc_times(qtbot: Any) -> None:
    from PySide6.QtCore import QDateTime

    from desktop.ui.events_page import NewEventDialog

    dlg = NewEventDialog(datetime(2026, 11, 26, tzinfo=UTC))
    qtbot.addWidget(dlg)
    dlg.title_edit.setText("Семинар")
    local = datetime(2026, 12, 3, 10, 0).astimezone()  # 10:00 on this computer's clock
    dlg.starts.setDateTime(QDateTime(2026, 12, 3, 10, 0, 0))
    dlg.hours.setValue(3)
    v = dlg.values()
    expected = local.astimezone(UTC)
    assert v["starts"] == expected.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert v["ends"] == (expected + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert v["kind"] == "seminar" and v["title"] == "Семинар"


def test_coordinator_grants_and_creates_events(qtbot: Any, make_ctx: Any,
                                               consult_paths: Paths) -> None:
    from desktop.store import Store
    from desktop.ui.events_page import EventsPage
    from desktop.ui.leaders_page import LeadersPage
    from protocol.wire import Rec

    store = Store(consult_paths.database)
    store.apply_page(f"user:{ME}", [Rec(f"user:{ME}", "membership", "reg-45", 2, 99, {
        "id": "reg-45", "association_id": "reg-45", "role": "coordinator", "version": 2,
        "created": "2025-09-01T00:00:00Z", "modified": "2025-09-02T00:00:00Z"})], 99,
        "test-portal")
    store.close()
    ctx = make_ctx(consult_paths)
    leaders = LeadersPage(ctx)
    qtbot.addWidget(leaders)
    leaders.refresh()
    leaders.select_association("reg-45")
    assert not leaders.grant_button.isHidden()
    leaders.table.selectRow(2)
    assert leaders.grant_button.text() == "Grant the top level"
    leaders.grant_button.click()
    [op] = [o for o in ctx.reader.outbox() if o.type == "level.grant"]
    assert op.data == {"association_id": "reg-45", "user_id": "u-0002", "on": True}

    events = EventsPage(ctx)
    qtbot.addWidget(events)
    events.timer.stop()
    events.refresh()
    events.assoc_combo.setCurrentIndex(events.assoc_combo.findData("reg-45"))
    assert events.new_button.isEnabled()
    events.submit_event("reg-45", {"kind": "meeting", "title": "Совещание координаторов",
                                   "starts": "2027-01-15T06:00:00Z",
                                   "ends": "2027-01-15T07:00:00Z"})
    titles = [events.model.row(r)["title"] for r in range(events.model.rowCount())]
    assert "Совещание координаторов" in titles
    assert [o.type for o in ctx.reader.outbox()][-1] == "event.create"
