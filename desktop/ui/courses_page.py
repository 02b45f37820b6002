"""The Courses page: professional development courses built from library resources.

    page = install_courses(window)   # adds the page to the sidebar ("Курсы")

Left: the courses (``CourseListModel``). Right: the selected course — enrol, "download for
offline use" (size estimate and a free-space check first, then the files go through the
downloads queue), the outline of modules, lessons, materials and tasks with their progress,
and the certificate once every required item is done. Progress is written offline (DB lane)
and goes out with the next sync, exactly once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.store.types import Changes
from desktop.ui.context import AppContext
from desktop.ui.formatting import human_size
from desktop.ui.lesson_sets import LessonSetsPanel
from desktop.ui.retranslate import RetranslateWhenShown
from desktop.ui.tasks import Lane

ID_ROLE = Qt.ItemDataRole.UserRole + 1
KIND_ROLE = Qt.ItemDataRole.UserRole + 2
COURSE_ROLE = Qt.ItemDataRole.UserRole + 3

Index = QModelIndex | QPersistentModelIndex


class CourseListModel(QAbstractListModel):
    """The courses in the replica (a handful: held whole), with progress in the tooltip."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[dict[str, Any]] = []

    def set_courses(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def course(self, row: int) -> dict[str, Any] | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, course_id: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r["id"] == course_id), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{r['title']}\n{self.status_text(r)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return r.get("description") or r["title"]
        if role == ID_ROLE:
            return r["id"]
        return None

    def status_text(self, r: dict[str, Any]) -> str:
        if r.get("complete"):
            return self.tr("Completed")
        if r.get("enrolled"):
            return self.tr("In progress: {done} of {total}").format(
                done=r.get("required_done", 0), total=r.get("required_total", 0))
        return self.tr("{hours} h · not enrolled").format(hours=r.get("hours", 0))


def _item_text(kind: str, item: dict[str, Any], titles: dict[str, str]) -> str:
    if kind == "material":
        return item.get("title") or titles.get(item["resource_id"], item["resource_id"])
    return item["title"]


class CoursesPage(RetranslateWhenShown, QWidget):
    def __init__(self, ctx: AppContext, downloads: Any = None, library: Any = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.downloads = downloads  # DownloadController: starts the queue after "download"
        self.library = library  # LibraryPage: opens files in the app's viewer
        self.course_id: str | None = None
        self.course: dict[str, Any] | None = None
        self.progress: dict[str, dict[str, Any]] = {}
        self.status: dict[str, Any] = {}
        self.plan: dict[str, Any] = {}
        self.titles: dict[str, str] = {}
        # Overridable in tests: ask before downloading (returns True to go on).
        self.confirm = self._confirm

        self.model = CourseListModel(self)
        self.list = QListView(self)
        self.list.setModel(self.model)
        self.list.setWordWrap(True)
        self.list.setSpacing(3)
        self.list.setAlternatingRowColors(True)
        self.list.selectionModel().currentChanged.connect(
            lambda cur, _prev: self.show_course(cur.data(ID_ROLE)))
        self.empty = QLabel(self)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        left = QWidget(self)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(8, 8, 0, 8)
        self.list_label = QLabel(left)
        lv.addWidget(self.list_label)
        lv.addWidget(self.list, 1)
        lv.addWidget(self.empty)

        right = QWidget(self)
        rv = QVBoxLayout(right)
        rv.setContentsMargins(8, 8, 8, 8)
        self.title = QLabel(right)
        self.title.setWordWrap(True)
        f = self.title.font()
        f.setPointSizeF(f.pointSizeF() * 1.3)
        f.setBold(True)
        self.title.setFont(f)
        self.meta = QLabel(right)
        self.meta.setWordWrap(True)
        self.description = QLabel(right)
        self.description.setWordWrap(True)
        self.description.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QHBoxLayout()
        self.enroll_button = QPushButton(right)
        self.enroll_button.clicked.connect(self.enroll)
        self.download_button = QPushButton(right)
        self.download_button.clicked.connect(self.download_course)
        self.certificate_button = QPushButton(right)
        self.certificate_button.clicked.connect(lambda: self.certificate(print_it=False))
        self.print_button = QPushButton(right)
        self.print_button.clicked.connect(lambda: self.certificate(print_it=True))
        for b in (self.enroll_button, self.download_button, self.certificate_button,
                  self.print_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.offline_label = QLabel(right)
        self.offline_label.setWordWrap(True)
        self.outline = QTreeWidget(right)
        self.outline.setColumnCount(2)
        self.outline.setHeaderHidden(True)
        self.outline.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.outline.currentItemChanged.connect(lambda cur, _p: self.show_item(cur))

        # The selected item: a lesson's text, a material, or a task.
        self.item_stack = QStackedWidget(right)
        self.lesson_text = QLabel(self.item_stack)
        self.lesson_text.setWordWrap(True)
        self.lesson_text.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.material_box = QWidget(self.item_stack)
        mv = QVBoxLayout(self.material_box)
        mv.setContentsMargins(0, 0, 0, 0)
        self.material_label = QLabel(self.material_box)
        self.material_label.setWordWrap(True)
        mb = QHBoxLayout()
        self.open_button = QPushButton(self.material_box)
        self.open_button.clicked.connect(self.open_material)
        self.studied_button = QPushButton(self.material_box)
        self.studied_button.clicked.connect(self.mark_studied)
        mb.addWidget(self.open_button)
        mb.addWidget(self.studied_button)
        mb.addStretch(1)
        mv.addWidget(self.material_label)
        mv.addLayout(mb)
        mv.addStretch(1)
        self.task_box = QWidget(self.item_stack)
        tv = QVBoxLayout(self.task_box)
        tv.setContentsMargins(0, 0, 0, 0)
        self.task_prompt = QLabel(self.task_box)
        self.task_prompt.setWordWrap(True)
        self.answer_edit = QPlainTextEdit(self.task_box)
        self.checklist = QListWidget(self.task_box)
        self.submit_button = QPushButton(self.task_box)
        self.submit_button.clicked.connect(self.submit_task)
        for w in (self.task_prompt, self.answer_edit, self.checklist, self.submit_button):
            tv.addWidget(w)
        for w in (self.lesson_text, self.material_box, self.task_box):
            self.item_stack.addWidget(w)

        for w in (self.title, self.meta, self.description):
            rv.addWidget(w)
        rv.addLayout(buttons)
        rv.addWidget(self.offline_label)
        split = QSplitter(Qt.Orientation.Vertical, right)
        split.addWidget(self.outline)
        split.addWidget(self.item_stack)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        rv.addWidget(split, 1)
        self.detail = right

        self.splitter = QSplitter(self)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([300, 800])
        self.sets_panel = LessonSetsPanel(ctx, self)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.splitter, "")
        self.tabs.addTab(self.sets_panel, "")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        ctx.hub.changed.connect(self.on_changes)
        self.retranslate()
        self.show_course(None)

    # -- texts --------------------------------------------------------------------------
    def page_title(self) -> str:
        return self.tr("Courses")

    def retranslate(self) -> None:
        self.list_label.setText(self.tr("Professional development courses"))
        self.tabs.setTabText(0, self.tr("Courses"))
        self.tabs.setTabText(1, self.tr("Lesson sets"))
        self.list.setAccessibleName(self.tr("Courses"))
        self.empty.setText(self.tr("No courses yet. Sign in (Discussions page) and sync: the "
                                   "courses of the network arrive with the community."))
        self.enroll_button.setText(self.tr("Enrol"))
        self.download_button.setText(self.tr("Download for offline use"))
        self.download_button.setToolTip(self.tr("Download the files of every material, to "
                                                "study the course without a connection"))
        self.certificate_button.setText(self.tr("Certificate (PDF)"))
        self.print_button.setText(self.tr("Print certificate"))
        self.open_button.setText(self.tr("Open"))
        self.studied_button.setText(self.tr("Mark as studied"))
        self.submit_button.setText(self.tr("Submit answer"))
        self.answer_edit.setPlaceholderText(self.tr("Your answer"))
        self.outline.setAccessibleName(self.tr("Course outline"))
        if self.course is not None:
            self._render()  # from what was loaded: no database work on a language change

    # -- loading ------------------------------------------------------------------------
    def refresh(self) -> None:
        self.sets_panel.refresh()
        self.ctx.tasks.op(lambda reader: reader.courses(), Lane.SEARCH) \
            .success(self._show_courses).parent(self).run()

    def _show_courses(self, rows: list[dict[str, Any]]) -> None:
        keep = self.course_id
        self.model.set_courses(rows)
        self.empty.setVisible(not rows)
        row = self.model.row_of(keep) if keep else (0 if rows else -1)
        if row >= 0:
            self.list.setCurrentIndex(self.model.index(row))
        self.show_course(self.model.course(row)["id"] if row >= 0 else None)

    def show_course(self, course_id: str | None) -> None:
        """Load the course on a reader lane (one read for the course, its progress, the
        download plan and the titles of its materials), then show it."""
        if course_id is None:
            self._show_course(None, None)
            return

        def read(reader: Any) -> dict[str, Any] | None:
            course = reader.course(course_id)
            if course is None:
                return None
            ids = [m["resource_id"] for mod in course["modules"] for les in mod["lessons"]
                   for m in les["materials"]]
            return {"course": course, "progress": reader.course_progress(course_id),
                    "status": reader.course_status(course_id),
                    "plan": reader.course_download_plan(course_id),
                    "titles": {rid: (reader.get_resource(rid) or {}).get("title", rid)
                               for rid in dict.fromkeys(ids)}}

        self.ctx.tasks.op(read, Lane.SEARCH) \
            .success(lambda data: self._show_course(course_id, data)).parent(self).run()

    def _show_course(self, course_id: str | None, data: dict[str, Any] | None) -> None:
        self.course = data["course"] if data else None
        self.course_id = course_id if self.course is not None else None
        self.detail.setEnabled(self.course is not None)
        if data is None:
            self.title.setText("")
            self.meta.setText("")
            self.description.setText("")
            self.outline.clear()
            self.offline_label.setText("")
            for b in (self.enroll_button, self.download_button, self.certificate_button,
                      self.print_button):
                b.setVisible(False)
            return
        self.progress, self.status = data["progress"], data["status"]
        self.plan, self.titles = data["plan"], data["titles"]
        self._render()

    def _render(self) -> None:
        c, plan = self.course, self.plan
        assert c is not None
        self.title.setText(c["title"])
        meta = [self.tr("{hours} academic hours").format(hours=c.get("hours", 0))]
        if c.get("author"):
            meta.append(c["author"])
        s = self.status
        if s["complete"]:
            meta.append(self.tr("completed"))
        elif s["enrolled"]:
            meta.append(self.tr("done {done} of {total} required").format(
                done=s["required_done"], total=s["required_total"]))
        self.meta.setText(" · ".join(meta))
        self.description.setText(c.get("description", ""))
        self.enroll_button.setVisible(not s["enrolled"])
        self.download_button.setVisible(True)
        self.download_button.setEnabled(plan["files_needed"] > 0)
        self.certificate_button.setVisible(s["complete"])
        self.print_button.setVisible(s["complete"])
        if plan["files_needed"]:
            self.offline_label.setText(self.tr(
                "To study offline, {n} files ({size}) still need downloading.").format(
                n=plan["files_needed"], size=human_size(plan["bytes_needed"])))
        else:
            self.offline_label.setText(self.tr("Every material is on this computer: the "
                                               "course works without a connection."))
        self._fill_outline()

    def _fill_outline(self) -> None:
        current = self.outline.currentItem()
        keep = current.data(0, ID_ROLE) if current is not None else None
        self.outline.clear()
        assert self.course is not None
        titles = self.titles
        select = None
        for module in self.course["modules"]:
            mi = QTreeWidgetItem(self.outline, [module["title"], ""])
            mi.setData(0, KIND_ROLE, "module")
            mi.setData(0, ID_ROLE, module["id"])
            for lesson in module["lessons"]:
                li = QTreeWidgetItem(mi, [lesson["title"], ""])
                li.setData(0, KIND_ROLE, "lesson")
                li.setData(0, ID_ROLE, lesson["id"])
                li.setData(0, COURSE_ROLE, lesson)
                for kind, items in (("material", lesson["materials"]),
                                    ("task", lesson["tasks"])):
                    for item in items:
                        text = _item_text(kind, item, titles)
                        prefix = self.tr("Task: ") if kind == "task" else ""
                        it = QTreeWidgetItem(li, [prefix + text, self._state_text(item)])
                        it.setData(0, KIND_ROLE, kind)
                        it.setData(0, ID_ROLE, item["id"])
                        it.setData(0, COURSE_ROLE, item)
                        if not item["required"]:
                            it.setToolTip(0, self.tr("Optional"))
                        if self.progress.get(item["id"], {}).get("unsent"):
                            it.setToolTip(1, self.tr("Saved on this computer; goes to the "
                                                     "portal with the next sync"))
                        if item["id"] == keep:
                            select = it
                if lesson["id"] == keep:
                    select = li
        self.outline.expandAll()
        self.outline.resizeColumnToContents(1)
        self.outline.header().setStretchLastSection(False)
        self.outline.header().setSectionResizeMode(0, self.outline.header().ResizeMode.Stretch)
        if select is not None:
            self.outline.setCurrentItem(select)
        else:
            self.item_stack.setCurrentWidget(self.lesson_text)
            self.lesson_text.setText(self.tr("Choose a lesson, a material or a task."))

    def _state_text(self, item: dict[str, Any]) -> str:
        p = self.progress.get(item["id"])
        if p is None:
            return "—" if item["required"] else self.tr("optional")
        text = self.tr("done") if p["state"] == "completed" else self.tr("opened")
        return text + (" ⇡" if p.get("unsent") else "")

    def show_item(self, it: QTreeWidgetItem | None) -> None:
        if it is None:
            return
        kind = it.data(0, KIND_ROLE)
        item = it.data(0, COURSE_ROLE)
        enrolled = bool(self.status.get("enrolled"))
        if kind in ("module", "lesson"):
            self.item_stack.setCurrentWidget(self.lesson_text)
            self.lesson_text.setText((item or {}).get("body_md", "") if kind == "lesson"
                                     else it.text(0))
        elif kind == "material":
            self.item_stack.setCurrentWidget(self.material_box)
            res = self.ctx.reader.get_resource(item["resource_id"]) or {}
            where = (self.tr("On this computer.") if res.get("downloaded") else
                     self.tr("Not downloaded yet: use “Download for offline use”."))
            self.material_label.setText(f"{res.get('title', item['resource_id'])}\n{where}")
            self.open_button.setEnabled(bool(res.get("downloaded")))
            done = self.progress.get(item["id"], {}).get("state") == "completed"
            self.studied_button.setEnabled(enrolled and not done)
        elif kind == "task":
            self.item_stack.setCurrentWidget(self.task_box)
            self.task_prompt.setText(f"{item['title']}\n\n{item.get('prompt_md', '')}")
            p = self.progress.get(item["id"], {})
            checklist = item["kind"] == "checklist"
            self.answer_edit.setVisible(not checklist)
            self.checklist.setVisible(checklist)
            self.answer_edit.setPlainText(p.get("answer") or "")
            self.checklist.clear()
            for i, text in enumerate(item.get("items", [])):
                li = QListWidgetItem(text, self.checklist)
                li.setFlags(li.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                li.setCheckState(Qt.CheckState.Checked if i in (p.get("checked") or [])
                                 else Qt.CheckState.Unchecked)
            self.submit_button.setEnabled(enrolled)

    def current_item(self) -> tuple[str | None, dict[str, Any] | None]:
        it = self.outline.currentItem()
        if it is None:
            return None, None
        return it.data(0, KIND_ROLE), it.data(0, COURSE_ROLE)

    def select_item(self, item_id: str) -> bool:
        for it in self.outline.findItems("*", Qt.MatchFlag.MatchWildcard
                                         | Qt.MatchFlag.MatchRecursive):
            if it.data(0, ID_ROLE) == item_id:
                self.outline.setCurrentItem(it)
                return True
        return False

    # -- writes -------------------------------------------------------------------------
    def _write(self, fn: Any) -> None:
        self.ctx.tasks.op(fn).success(
            lambda result: self.ctx.hub.publish(result[1] if isinstance(result, tuple)
                                                else result)).parent(self).run()

    def enroll(self) -> None:
        cid = self.course_id
        if cid:
            self._write(lambda store: store.enroll(cid))

    def mark(self, item_id: str, state: str, **answer: Any) -> None:
        cid = self.course_id
        if cid:
            self._write(lambda store: store.mark_item(cid, item_id, state, **answer))

    def mark_studied(self) -> None:
        kind, item = self.current_item()
        if kind == "material" and item is not None:
            self.mark(item["id"], "completed")

    def open_material(self) -> None:
        kind, item = self.current_item()
        if kind != "material" or item is None:
            return
        res = self.ctx.reader.get_resource(item["resource_id"]) or {}
        files = [f for f in res.get("files", []) if f.get("cached")]
        if not files:
            return
        if self.status.get("enrolled"):
            self.mark(item["id"], "opened")
        if self.library is not None:
            self.library.open_resource_file(files[0])

    def submit_task(self) -> None:
        kind, item = self.current_item()
        if kind != "task" or item is None:
            return
        if item["kind"] == "checklist":
            checked = [i for i in range(self.checklist.count())
                       if self.checklist.item(i).checkState() == Qt.CheckState.Checked]
            state = "completed" if len(checked) == self.checklist.count() else "opened"
            self.mark(item["id"], state, checked=checked)
        else:
            text = self.answer_edit.toPlainText().strip()
            if text:
                self.mark(item["id"], "completed", answer=text)

    # -- offline download -----------------------------------------------------------------
    def _confirm(self, text: str) -> bool:
        return QMessageBox.question(self, self.tr("Download the course"), text) == \
            QMessageBox.StandardButton.Yes

    def download_course(self) -> None:
        cid = self.course_id
        if not cid:
            return
        import shutil

        plan = self.ctx.reader.course_download_plan(cid)
        if not plan["files_needed"]:
            return
        try:
            free = shutil.disk_usage(self.ctx.paths.files).free
        except OSError:
            free = 0
        text = self.tr("Download {n} files ({size}) so the course works without a "
                       "connection? Free space: {free}.").format(
            n=plan["files_needed"], size=human_size(plan["bytes_needed"]),
            free=human_size(free))
        if not self.confirm(text):
            return
        files_dir = self.ctx.paths.files

        def work(store: Any) -> Changes:
            from desktop.sync.downloads import check_free_space

            fresh = store.course_download_plan(cid)
            check_free_space(files_dir, fresh["bytes_needed"])  # InsufficientSpace: says so
            return store.queue_course_download(cid) | Changes(downloads=True)

        def ok(changes: Changes) -> None:
            self.ctx.hub.publish(changes)
            if self.downloads is not None:
                self.downloads.start()

        self.ctx.tasks.op(work).success(ok).parent(self).run()

    # -- certificate ----------------------------------------------------------------------
    def certificate(self, print_it: bool = False) -> Path | None:
        """Write the certificate PDF (offline), then open it in the viewer or print it.
        Returns the path when written inline (tests), else None."""
        cid = self.course_id
        if not cid or not self.status.get("complete"):
            return None
        info = self.ctx.reader.certificate_info(cid)
        folder = self.ctx.paths.data / "certificates"
        written: dict[str, Path] = {}

        def done(path: Path) -> None:
            written["path"] = path
            from desktop.ui.certificate import print_pdf
            from desktop.ui.viewer import open_file

            if print_it:
                print_pdf(self, path)
            elif self.ctx.tasks.inline:
                return  # tests check the file; no viewer window
            else:
                open_file(path, "application/pdf", path.name, self.window())

        from desktop.ui.certificate import write_certificate

        self.ctx.tasks.op(lambda: write_certificate(info, folder), Lane.NET) \
            .success(done).parent(self).run()
        return written.get("path")

    # -- change notification ----------------------------------------------------------------
    def on_changes(self, changes: Changes) -> None:
        if changes.community or changes.outbox or changes.downloads or changes.catalog:
            self.refresh()


def install_courses(window: Any) -> CoursesPage:
    """Put the Courses page in the window (after the Discussions page)."""
    page = CoursesPage(window.ctx, window.download_controller, window.library, window)
    window.add_page("courses", page)
    window.courses = page

    def show_resource(resource_id: str) -> None:
        res = window.ctx.reader.get_resource(resource_id)
        if res is not None:
            window.navigate("library")
            window.library._selected_rowid = res["rowid"]
            window.library.show_details(res["rowid"])

    page.sets_panel.resource_requested.connect(show_resource)
    page.refresh()
    return page
