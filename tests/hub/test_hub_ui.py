"""Settings > Local network: the "use lab hubs" and "share the library" controls run a real
hub on the chosen address (loopback here) and stop it; a Russian screenshot of the section.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtCore import QCoreApplication, QTranslator

pytestmark = pytest.mark.ui

TSV = Path("/tmp/okno-tr/hub.tsv")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _settings_page(qtbot: Any, make_ctx: Any, paths: Any, **settings: Any) -> Any:
    from desktop.ui.settings_page import SettingsPage

    ctx = make_ctx(paths, **settings)
    ctx.settings.portal_url = "http://portal.example"
    page = SettingsPage(ctx)
    qtbot.addWidget(page)
    return page


def test_use_lab_hubs_is_on_by_default_and_saved(qtbot, make_ctx, library_paths):
    page = _settings_page(qtbot, make_ctx, library_paths)
    section = page.lab_hub
    assert section.use_check.isChecked() and not section.share_check.isChecked()
    section.use_check.setChecked(False)
    from desktop.ui.settings import Settings

    assert Settings.load(library_paths.settings).use_lab_hubs is False


def test_sharing_runs_a_hub_on_the_chosen_address_and_stops_it(qtbot, make_ctx,
                                                                library_paths):
    # The test library has no portal id yet: give it one, as a synced replica has.
    from desktop.store import Store

    store = Store(library_paths.database)
    store.set_portal_id("test-portal")
    store.set_serving_horizon("test-portal", 0)
    store.close()
    port = _free_port()
    page = _settings_page(qtbot, make_ctx, library_paths, hub_port=port)
    section = page.lab_hub
    section.fill_addresses([("127.0.0.1", "lo")])
    section.address_combo.setCurrentIndex(0)
    section.share_check.setChecked(True)
    qtbot.waitUntil(lambda: section.server is not None or bool(section.error), timeout=20_000)
    assert section.error == ""
    url = section.server.url
    assert url == f"http://127.0.0.1:{port}" and url in section.status.text()
    s = requests.Session()
    s.trust_env = False
    hello = s.get(f"{url}/api/v1/hello", timeout=10).json()
    assert hello["portal_id"] == "test-portal" and "hub" in hello
    from desktop.ui.settings import Settings

    saved = Settings.load(library_paths.settings)
    assert saved.hub_share and saved.hub_bind == "127.0.0.1" and saved.hub_port == port
    section.share_check.setChecked(False)
    assert section.server is None
    with pytest.raises(requests.ConnectionError):
        s.get(f"{url}/api/v1/hello", timeout=5)


class _TsvTranslator(QTranslator):
    """The helper's Russian strings (merged into the .ts files by the lead later)."""

    def __init__(self, table: dict[str, str]) -> None:
        super().__init__()
        self.table = table

    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str:
        return self.table.get(source, "") if context == "LabHubSection" else ""

    def isEmpty(self) -> bool:
        return False


def test_screenshot_settings_lab_hub_section_in_russian(qtbot, make_ctx, library_paths,
                                                        tmp_path, qapp):
    from desktop.ui.i18n import Translations

    table = {}
    if TSV.exists():
        for line in TSV.read_text(encoding="utf-8").splitlines():
            src, _, ru = line.partition("\t")
            table[src.replace("\\n", "\n")] = ru.replace("\\n", "\n")
    translations = Translations(qapp)
    translations.use("ru")
    extra = _TsvTranslator(table)
    QCoreApplication.installTranslator(extra)
    try:
        page = _settings_page(qtbot, make_ctx, library_paths, language="ru")
        page.lab_hub.fill_addresses([("192.168.10.5", "enp3s0"), ("127.0.0.1", "lo")])
        page.lab_hub.share_check.blockSignals(True)
        page.lab_hub.share_check.setChecked(True)
        page.lab_hub.share_check.blockSignals(False)
        page.lab_hub.note.setVisible(True)
        page.lab_hub._show(page.lab_hub.tr(
            "Sharing the library at {url}. Other Okno computers of the lab find it by "
            "themselves.").format(url="http://192.168.10.5:8766"))
        page.resize(1000, 760)
        page.show()
        QCoreApplication.processEvents()
        target = DOCS if os.environ.get("OKNO_UPDATE_SCREENSHOTS") else tmp_path
        target.mkdir(parents=True, exist_ok=True)
        assert page.lab_hub.grab().save(str(target / "settings-lab-hub.png"))
        if table:
            assert "Локальная сеть" in page.lab_hub.title()
    finally:
        QCoreApplication.removeTranslator(extra)
        translations.use("en")
        QCoreApplication.processEvents()
