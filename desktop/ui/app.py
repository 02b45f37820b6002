"""Start-up: ``run(argv, data_dir, portal_url)`` opens the window (the first-run wizard first).

``desktop.cli`` calls this for ``okno`` / ``okno gui``. ``--self-test`` opens the main window
offscreen on the current data, runs one search, and exits 0 (used by packaging checks).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop.paths import Paths, resolve_paths


def choose_data_dir(data_dir: str | None) -> str | None:
    """Explicit > $OKNO_DATA_DIR > where the user moved it (pointer file) > default."""
    if data_dir or os.environ.get("OKNO_DATA_DIR"):
        return data_dir
    from desktop.ui.settings import read_data_pointer

    pointer = read_data_pointer()
    return pointer if pointer and Path(pointer).is_dir() else None


def store_openers(paths: Paths) -> Any:
    """Connections for the task lanes: writer Store on DB/DOWNLOADS, a reader on SEARCH."""
    from desktop.store import Store, open_reader
    from desktop.ui.tasks import Connections

    def writer() -> Any:
        paths.ensure()
        return Store(paths.database, library=paths.library_database)

    return Connections(writer=writer, reader=lambda: open_reader(
        paths.database, library=paths.library_database))


def open_main_reader(paths: Paths) -> Any:
    """The GUI thread's read connection; creates or upgrades the database first if needed.

    Raises StoreError (plain words) for a damaged database or one from a newer Okno.
    """
    from desktop.store import Store, StoreError, open_reader

    paths.ensure()
    library = paths.library_database  # a lab's shared catalog (docs/lab-cache.md), or None
    if paths.database.exists():
        try:
            return open_reader(paths.database, library=library)
        except StoreError:
            pass  # an older schema: the Store upgrades it (or explains why it cannot)
    Store(paths.database, library=library).close()
    return open_reader(paths.database, library=library)


def run(argv: list[str], data_dir: str | None = None, portal_url: str | None = None) -> int:
    """Open Okno. Returns the process exit code."""
    self_test = "--self-test" in argv
    if self_test:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from desktop.lab.presets import PresetError, lab_paths, load_machine_config, resolve_settings
    from desktop.ui.consultations_page import install_consultations
    from desktop.ui.context import AppContext, ChangeHub
    from desktop.ui.courses_page import install_courses
    from desktop.ui.discussions_page import install_discussions
    from desktop.ui.events_page import install_events
    from desktop.ui.i18n import Translations, effective_language
    from desktop.ui.leaders_page import install_leaders
    from desktop.ui.mainwindow import MainWindow
    from desktop.ui.resource_community import install_resource_community
    from desktop.ui.resources import icon
    from desktop.ui.tasks import TaskManager

    paths = resolve_paths(choose_data_dir(data_dir)).ensure()
    try:
        machine = load_machine_config()
    except PresetError as exc:
        _app = QApplication.instance() or QApplication([sys.argv[0], *argv])
        return _cannot_open(str(exc), self_test, preset_error=True)
    paths = lab_paths(paths, machine)
    preset = portal_url or os.environ.get("OKNO_PORTAL_URL")
    # --portal or a lab image's preset wins over what was saved and over the machine file.
    settings = resolve_settings(paths.settings, machine,
                                {"portal_url": preset.rstrip("/") if preset else None})

    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    assert isinstance(app, QApplication)
    app.setApplicationName("Okno")
    app.setOrganizationName("Okno")
    app.setWindowIcon(icon("okno"))
    translations = Translations(app)
    language = effective_language(settings.language)
    translations.use(language)

    from desktop.store import StoreError

    try:
        reader = open_main_reader(paths)
    except StoreError as exc:
        return _cannot_open(str(exc), self_test)
    tasks = TaskManager(store_openers(paths))
    ctx = AppContext(paths=paths, settings=settings, tasks=tasks, reader=reader, hub=ChangeHub(),
                     language=language, portal_override=None,
                     connections_for=store_openers, reader_for=open_main_reader,
                     settings_base=machine.defaults(), locked=machine.locked,
                     machine_config=str(machine.path or ""))
    try:
        if not self_test and not settings.first_run_done:
            if not _first_run(ctx, translations):
                return 0
        window = MainWindow(ctx, set_language=translations.use)
        install_discussions(window)
        install_courses(window)
        install_resource_community(window)
        install_consultations(window)
        install_events(window)
        install_leaders(window)
        window.show()
        window.start()
        if self_test:
            return _self_test(app, window)
        return app.exec()
    finally:
        tasks.shutdown()
        close = getattr(ctx.reader, "close", None)
        if close is not None:
            close()


def _cannot_open(message: str, quiet: bool, preset_error: bool = False) -> int:
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QMessageBox

    if preset_error:
        text = QCoreApplication.translate(
            "App", "Okno cannot start: the administrator's settings file has an error: "
            "{reason}").format(reason=message)
    else:
        text = QCoreApplication.translate("App", "Okno cannot open its library: {reason}") \
            .format(reason=message)
    print(text, file=sys.stderr)
    if not quiet:
        QMessageBox.critical(None, QCoreApplication.translate("App", "Okno"), text)
    return 1


def _first_run(ctx: Any, translations: Any) -> bool:
    """Show the wizard; False if the user closed it."""
    from PySide6.QtWidgets import QDialog

    from desktop.ui.wizard import FirstRunWizard

    def switch(language: str) -> None:
        translations.use(language)
        ctx.language = language

    wizard = FirstRunWizard(ctx.tasks, ctx.language, ctx.settings.portal_url, on_language=switch)
    if wizard.exec() != QDialog.DialogCode.Accepted:
        return False
    apply_wizard_choice(ctx, wizard.language(), *wizard.choice())
    return True


def apply_wizard_choice(ctx: Any, language: str, mode: str, url: str) -> None:
    """Save what the wizard chose; for the sample library, install it on the DB worker."""
    from desktop.store.types import Changes

    ctx.settings.language = language
    ctx.settings.first_run_done = True
    if mode == "portal" and not ctx.locked & {"portal_url"}:
        ctx.settings.portal_url = url
    ctx.save_settings()
    if mode == "sample":
        from PySide6.QtCore import QCoreApplication

        from desktop.sample import install_sample

        paths = ctx.paths
        ctx.tasks.op(lambda store: install_sample(store, paths)) \
            .success(lambda _n: ctx.hub.publish(Changes(catalog=True, downloads=True))) \
            .with_progress(None, QCoreApplication.translate("App", "Installing the sample "
                                                            "library…")).run()


def _self_test(app: Any, window: Any) -> int:
    """One search through the real lanes; exit 0 when results (or an empty library) show."""
    done: dict[str, Any] = {}
    window.library.search_done.connect(lambda n: done.setdefault("n", n))
    window.library.search_edit.setText("урок")
    deadline = time.monotonic() + 20
    while "n" not in done and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    window.close()
    ok = "n" in done
    print(f"self-test: {'ok' if ok else 'FAILED'}; {done.get('n', 0)} results")
    return 0 if ok and _self_test_parts() else 1


def _self_test_parts() -> bool:
    """What a frozen build might miss: the certificate's PDF writer and font, the bundles'
    signatures, the lab hub's zeroconf. Prints one line each; True when all work."""
    def certificate() -> object:
        from desktop.ui.certificate import build_certificate

        pdf = build_certificate({"number": "self-test", "name": "Проверка Сборки",
                                 "course_title": "Самопроверка", "hours": 1,
                                 "completed_at": "2026-01-01T00:00:00Z"})
        assert pdf.startswith(b"%PDF")
        return f"{len(pdf)} bytes"

    def signatures() -> object:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        key = Ed25519PrivateKey.generate()
        key.public_key().verify(key.sign(b"okno"), b"okno")
        return "ed25519"

    def zeroconf() -> object:
        import zeroconf as zc

        return zc.__version__

    checks: list[tuple[str, Callable[[], object]]] = [
        ("certificate", certificate), ("signatures", signatures), ("zeroconf", zeroconf)]
    ok = True
    for name, check in checks:
        try:
            print(f"self-test {name}: ok ({check()})")
        except Exception as exc:  # noqa: BLE001 - any failure is the finding
            print(f"self-test {name}: FAILED ({type(exc).__name__}: {exc})")
            ok = False
    return ok
