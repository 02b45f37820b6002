"""The Courses page, the certificate and the resource's reviews and notes, offscreen, over a
data folder synced from a real demo portal (stopped by now: everything here is offline)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, Qt, QTranslator
from PySide6.QtTest import QTest

from tests.courses.conftest import COURSE

pytestmark = pytest.mark.ui

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TSV = Path("/tmp/okno-tr/courses.tsv")


class TsvTranslator(QTranslator):
    """Russian for this area's new strings until they are merged into the .ts files."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.table: dict[str, str] = {}
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                source, _tab, russian = line.partition("\t")
                self.table[source.replace("\\n", "\n")] = russian.replace("\\n", "\n")

    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str:
        return self.table.get(source)  # type: ignore[return-value]  (None: not ours)

    def isEmpty(self) -> bool:
        return False


@pytest.fixture
def russian(qapp: Any) -> Iterator[None]:
    from desktop.ui.i18n import Translations

    translations = Translations(qapp)
    translations.use("ru")
    extra = TsvTranslator(TSV)
    qapp.installTranslator(extra)
    QCoreApplication.processEvents()
    yield
    qapp.removeTranslator(extra)
    translations.use("en")
    QCoreApplication.processEvents()


def _window(qtbot: Any, make_ctx: Any, paths: Any, language: str = "en") -> Any:
    from desktop.ui.courses_page import install_courses
    from desktop.ui.mainwindow import MainWindow
    from desktop.ui.resource_community import install_resource_community

    ctx = make_ctx(paths, language=language, sync_interval_min=240)
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    install_courses(win)
    install_resource_community(win)
    win.resize(1280, 800)
    win.show()
    win.start()
    win.sync_controller.stop_timers()
    return win


def _type(widget: Any, text: str) -> None:
    widget.setFocus()
    for ch in text:  # keyClicks aborts on non-ASCII text
        QTest.sendKeyEvent(QTest.KeyAction.Click, widget, Qt.Key.Key_unknown, ch,
                           Qt.KeyboardModifier.NoModifier)


def _show_in_library(win: Any, resource_id: str) -> None:
    """Select the resource in the library as a click would (the page keeps its selection)."""
    rowid = win.ctx.reader.get_resource(resource_id)["rowid"]
    win.library._selected_rowid = rowid
    win.library.show_details(rowid)


def _save(widget_or_image: Any, name: str) -> None:
    image = widget_or_image if hasattr(widget_or_image, "save") and not hasattr(
        widget_or_image, "grab") else widget_or_image.grab()
    if os.environ.get("OKNO_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        assert image.save(str(DOCS / name))


def test_course_list_model_passes_the_model_tester(qtmodeltester: Any, course_paths: Any
                                                   ) -> None:
    from desktop.store import open_reader
    from desktop.ui.courses_page import ID_ROLE, CourseListModel

    model = CourseListModel()
    with open_reader(course_paths.database) as reader:
        model.set_courses(reader.courses())
    qtmodeltester.check(model)
    assert model.rowCount() == 1 and model.index(0).data(ID_ROLE) == COURSE
    assert "not enrolled" in model.index(0).data()


def test_enrol_study_answer_and_progress_is_queued(qtbot: Any, make_ctx: Any,
                                                   course_paths: Any) -> None:
    win = _window(qtbot, make_ctx, course_paths)
    win.navigate("courses")
    page = win.courses
    assert win.current_page() == "courses" and page.course_id == COURSE
    assert page.enroll_button.isVisible()
    page.enroll_button.click()
    assert not page.enroll_button.isVisible() and page.status["enrolled"]
    course = page.course
    material = course["modules"][0]["lessons"][0]["materials"][0]["id"]
    assert page.select_item(material)
    page.studied_button.click()
    assert page.progress[material]["state"] == "completed"
    task = course["modules"][0]["lessons"][0]["tasks"][0]
    assert page.select_item(task["id"])
    _type(page.answer_edit, "Подобрала три урока для 5 класса.")
    page.submit_button.click()
    assert page.progress[task["id"]]["answer"] == "Подобрала три урока для 5 класса."
    checklist = course["modules"][0]["lessons"][1]["tasks"][0]
    assert page.select_item(checklist["id"])
    for i in range(page.checklist.count()):
        page.checklist.item(i).setCheckState(Qt.CheckState.Checked)
    page.submit_button.click()
    assert page.progress[checklist["id"]]["state"] == "completed"
    types = [o.type for o in win.ctx.reader.outbox(("pending",))]
    assert types.count("course.enroll") == 1 and types.count("course.progress") == 3
    assert "выполнено" not in page.outline.topLevelItem(0).child(0).child(0).text(1)


def test_material_opens_from_local_files_with_the_portal_gone(qtbot: Any, make_ctx: Any,
                                                              course_paths: Any) -> None:
    from desktop.sync.downloads import sha256_file
    from desktop.ui.viewer import FileViewer

    win = _window(qtbot, make_ctx, course_paths)
    page = win.courses
    assert "without a connection" in page.offline_label.text()
    page.enroll_button.click()
    material = page.course["modules"][0]["lessons"][0]["materials"][0]["id"]
    assert page.select_item(material) and page.open_button.isEnabled()
    page.open_button.click()
    assert page.progress[material]["state"] == "opened"
    # In the app's viewer (PDF, video…) or, for other types, a copy handed to the system.
    res = win.ctx.reader.get_resource(page.current_item()[1]["resource_id"])
    copies = [f for f in (course_paths.data / "open").rglob("*") if f.is_file()]
    viewers = [v for v in win.library.viewers if isinstance(v, FileViewer)]
    assert viewers or any(sha256_file(f) == res["files"][0]["sha256"] for f in copies)
    for viewer in viewers:
        viewer.close()


def test_download_for_offline_checks_the_size_then_queues(qtbot: Any, make_ctx: Any,
                                                         course_paths: Any) -> None:
    from desktop.store import Store

    store = Store(course_paths.database)  # as if the files were never downloaded
    for rel in store.remove_cached_files():
        (course_paths.files / rel).unlink()
    store.close()
    win = _window(qtbot, make_ctx, course_paths)
    page = win.courses
    asked: list[str] = []
    page.confirm = lambda text: asked.append(text) or True
    started: list[bool] = []
    page.downloads = type("D", (), {"start": lambda self: started.append(True)})()
    plan = win.ctx.reader.course_download_plan(COURSE)
    assert plan["files_needed"] > 0 and str(plan["files_needed"]) in page.offline_label.text()
    page.download_button.click()
    assert asked and "Free space" in asked[0] and started == [True]
    queued = {d.sha256 for d in win.ctx.reader.download_queue(["queued"])}
    assert {f["sha256"] for f in plan["files"]} <= queued


def test_certificate_pdf_says_name_and_course_in_cyrillic(qtbot: Any, make_ctx: Any,
                                                          course_paths: Any) -> None:
    from desktop.store import Store
    from desktop.ui.certificate import pdf_text, render_to_printer

    store = Store(course_paths.database)
    store.enroll(COURSE)
    course = store.course(COURSE)
    for module in course["modules"]:
        for lesson in module["lessons"]:
            for m in lesson["materials"]:
                store.mark_item(COURSE, m["id"], "completed")
            for t in lesson["tasks"]:
                store.mark_item(COURSE, t["id"], "completed", answer="Готово",
                                checked=list(range(len(t["items"]))))
    store.close()
    win = _window(qtbot, make_ctx, course_paths)
    page = win.courses
    assert page.status["complete"] and not page.certificate_button.isHidden()
    path = page.certificate()
    assert path is not None and path.exists()
    text = pdf_text(path)
    name = win.ctx.reader.community_user()["display_name"]
    assert name and name in text
    assert "Цифровые образовательные ресурсы" in text and "36" in text
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path.with_name("printed.pdf")))
    assert render_to_printer(path, printer) == 1


def test_resource_shows_rating_notes_and_linking_discussions(qtbot: Any, make_ctx: Any,
                                                            course_paths: Any) -> None:
    win = _window(qtbot, make_ctx, course_paths)
    reader = win.ctx.reader
    rid = reader.course(COURSE)["modules"][1]["lessons"][0]["materials"][0]["resource_id"]
    section = win.resource_community
    _show_in_library(win, rid)
    assert "2" in section.summary.text()
    html = section.reviews.toPlainText()
    assert "8 «А»" in html and "этот урок" in html
    assert reader.my_review(rid)["rating"] == 4 and section.rating.currentData() == 4
    section.note.clear()
    _type(section.note, "Второй урок: дала тест на дом.")
    section.rating.setCurrentIndex(0)
    section.save_button.click()
    [op] = [o for o in reader.outbox(("pending",)) if o.type == "review.set"]
    assert op.data == {"resource_id": rid, "rating": 5,
                       "body_md": "Второй урок: дала тест на дом."}
    section.ask_title = lambda: "Неделя науки, 8 класс"
    assert section.new_set_button.isEnabled(), win.ctx.errors
    section.new_set()
    assert not win.ctx.errors, win.ctx.errors
    [s] = reader.lesson_sets()
    assert s["resource_ids"] == [rid] and s["shared_with"] is None


def test_lesson_sets_tab_lists_own_and_shared_and_shares(qtbot: Any, make_ctx: Any,
                                                         course_paths: Any) -> None:
    from desktop.store import Store

    store = Store(course_paths.database)
    rid = store.course(COURSE)["modules"][0]["lessons"][0]["materials"][0]["resource_id"]
    set_id, _op, _c = store.save_lesson_set(None, "Классный час о чтении", [rid])
    store.close()
    win = _window(qtbot, make_ctx, course_paths)
    win.navigate("courses")
    panel = win.courses.sets_panel
    win.courses.tabs.setCurrentWidget(panel)
    texts = [panel.sets.item(i).text() for i in range(panel.sets.count())]
    assert any("Классный час о чтении" in t and "private" in t for t in texts)
    assert any("Неделя математики" in t for t in texts)
    shared_row = next(i for i, t in enumerate(texts) if "Неделя математики" in t)
    panel.sets.setCurrentRow(shared_row)
    assert not panel.own and not panel.delete_button.isEnabled()
    assert panel.resources.count() >= 2 and "Shared by" in panel.info.text()
    own_row = next(i for i, t in enumerate(texts) if "Классный час" in t)
    panel.sets.setCurrentRow(own_row)
    assert panel.own and panel.share.isEnabled()
    panel.share.setCurrentIndex(panel.share.findData("okno-ru"))
    panel.change_sharing()
    [op] = [o for o in win.ctx.reader.outbox(("pending",)) if o.type == "lesson_set.save"]
    assert op.data["shared_with"] == "okno-ru" and op.data["resource_ids"] == [rid]
    texts = [panel.sets.item(i).text() for i in range(panel.sets.count())]
    assert any("Классный час" in t and "shared" in t for t in texts)
    shown: list[str] = []
    panel.resource_requested.connect(shown.append)
    panel.resources.itemActivated.emit(panel.resources.item(0))
    assert shown == [rid] and win.current_page() == "library"


def test_screenshots_in_russian(qtbot: Any, make_ctx: Any, course_paths: Any,
                                russian: None) -> None:
    from PySide6.QtPdf import QPdfDocument

    from desktop.store import Store

    store = Store(course_paths.database)
    store.enroll(COURSE)
    course = store.course(COURSE)
    lesson = course["modules"][0]["lessons"][0]
    for m in lesson["materials"]:
        store.mark_item(COURSE, m["id"], "completed")
    store.mark_item(COURSE, lesson["tasks"][0]["id"], "completed",
                    answer="Подобрала презентацию и тест к уроку алгебры в 8 классе.")
    store.save_lesson_set(None, "Классный час «Читаем вместе»",
                          [m["resource_id"] for m in lesson["materials"]],
                          description="Для 5–6 классов, библиотечный урок.")
    store.close()
    win = _window(qtbot, make_ctx, course_paths, language="ru")
    win.navigate("courses")
    page = win.courses
    page.select_item(lesson["tasks"][0]["id"])
    assert page.enroll_button.isHidden() and "Курсы" in win.sidebar.item(2).text()
    assert "Скачать" in page.download_button.text()
    _save(win, "courses.png")
    page.tabs.setCurrentWidget(page.sets_panel)
    _save(win, "lesson-sets.png")
    page.tabs.setCurrentIndex(0)

    reader = win.ctx.reader
    rid = course["modules"][1]["lessons"][0]["materials"][0]["resource_id"]
    win.navigate("library")
    win.library.splitter.setSizes([220, 420, 640])
    _show_in_library(win, rid)
    assert "Оценка" in win.resource_community.summary.text()
    _save(win, "resource-notes.png")

    from desktop.ui.certificate import write_certificate

    info = {"name": reader.community_user()["display_name"],
            "school": reader.community_user().get("school", ""),
            "course_title": course["title"], "author": course["author"],
            "hours": course["hours"], "completed_at": "2026-11-20T10:00:00Z",
            "number": "OKNO-1A2B-3C4D"}
    path = write_certificate(info, course_paths.data / "certificates")
    doc = QPdfDocument()
    doc.load(str(path))
    image = doc.render(0, (doc.pagePointSize(0) * 1.4).toSize())
    doc.close()
    _save(image, "certificate.png")
