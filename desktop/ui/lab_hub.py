"""Settings section "Local network (lab)": use lab hubs, and share this library as one.

"Share the library on the local network" runs a lab hub (desktop/hub) on the network card
the administrator chooses, announced with zeroconf, for as long as the application runs.
Starting and stopping (socket bind, zeroconf registration) happen on the network lane.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QWidget,
)

from desktop.ui.context import AppContext
from desktop.ui.tasks import Lane, describe_error


def local_addresses() -> list[tuple[str, str]]:
    """``(address, adapter name)`` of this computer's IPv4 network cards, loopback last."""
    try:
        import ifaddr
    except ImportError:
        return []
    out: list[tuple[str, str]] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if isinstance(ip.ip, str):
                out.append((ip.ip, adapter.nice_name))
    return sorted(out, key=lambda a: (a[0].startswith("127."), a[0]))


class LabHubSection(QGroupBox):
    """The group box; owns the running hub (``self.server``) while sharing is on."""

    state_changed = Signal(str)  # the status text shown under the controls

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.server: Any = None
        self.error = ""
        s = ctx.settings
        self.use_check = QCheckBox(self)
        self.use_check.setChecked(s.use_lab_hubs)
        self.use_check.toggled.connect(self._use_changed)
        self.share_check = QCheckBox(self)
        self.share_check.setChecked(s.hub_share)
        self.share_check.toggled.connect(self._share_toggled)
        self.address_combo = QComboBox(self)
        self.address_combo.setMinimumWidth(260)
        self.port_spin = QSpinBox(self)
        self.port_spin.setRange(1024, 65535)
        self.port_spin.setValue(s.hub_port if 1024 <= s.hub_port <= 65535 else 8766)
        self.port_spin.valueChanged.connect(self._address_changed)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.address_label = QLabel(self)
        self.address_label.setBuddy(self.address_combo)
        self.port_label = QLabel(self)
        self.port_label.setBuddy(self.port_spin)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        for label in (self.status, self.note):
            label.setMinimumWidth(480)  # the form keeps fields at their size hint
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow("", self.use_check)
        form.addRow("", self.share_check)
        form.addRow(self.address_label, self.address_combo)
        form.addRow(self.port_label, self.port_spin)
        form.addRow("", self.note)
        form.addRow("", self.status)
        self.fill_addresses()
        self.address_combo.currentIndexChanged.connect(self._address_changed)
        self.retranslate()
        self._update_enabled()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop_sharing)
        if s.hub_share and s.hub_bind:
            QTimer.singleShot(0, self.start_sharing)

    # -- addresses ------------------------------------------------------------------------
    def fill_addresses(self, addresses: list[tuple[str, str]] | None = None) -> None:
        chosen = self.ctx.settings.hub_bind
        found = local_addresses() if addresses is None else addresses
        self.address_combo.blockSignals(True)
        self.address_combo.clear()
        for addr, name in found:
            self.address_combo.addItem(f"{addr} ({name})", addr)
        if chosen and self.address_combo.findData(chosen) < 0:
            self.address_combo.addItem(chosen, chosen)  # remembered, not present right now
        index = self.address_combo.findData(chosen) if chosen else -1
        self.address_combo.setCurrentIndex(max(index, 0) if self.address_combo.count() else -1)
        self.address_combo.blockSignals(False)

    def chosen_address(self) -> str:
        return str(self.address_combo.currentData() or "")

    # -- edits ----------------------------------------------------------------------------
    def _use_changed(self, on: bool) -> None:
        self.ctx.settings.use_lab_hubs = on
        self.ctx.save_settings()

    def _address_changed(self, *_args: Any) -> None:
        s = self.ctx.settings
        s.hub_bind = self.chosen_address()
        s.hub_port = self.port_spin.value()
        self.ctx.save_settings()
        if self.server is not None:  # serve on the new address
            self.stop_sharing()
            self.start_sharing()

    def _share_toggled(self, on: bool) -> None:
        s = self.ctx.settings
        s.hub_share = on
        s.hub_bind = self.chosen_address()
        s.hub_port = self.port_spin.value()
        self.ctx.save_settings()
        if on:
            self.start_sharing()
        else:
            self.stop_sharing()
        self._update_enabled()

    def locked_widgets(self) -> list[QWidget]:
        """The editors of hub settings the lab preset locked (shown disabled)."""
        by_field: dict[str, list[QWidget]] = {
            "use_lab_hubs": [self.use_check], "hub_share": [self.share_check],
            "hub_bind": [self.address_combo], "hub_port": [self.port_spin]}
        return [w for name, widgets in by_field.items() if self.ctx.is_locked(name)
                for w in widgets]

    def _update_enabled(self) -> None:
        sharing = self.share_check.isChecked()
        for w in (self.use_check, self.share_check, self.address_combo, self.port_spin):
            w.setEnabled(True)
        for w in self.locked_widgets():
            w.setEnabled(False)
        self.note.setVisible(sharing)

    # -- the hub itself -------------------------------------------------------------------
    def start_sharing(self) -> None:
        if self.server is not None:
            return
        bind = self.ctx.settings.hub_bind
        if not bind:
            self._show(self.tr("Choose the network card of the lab network first."))
            return
        from desktop.cli_hub import catalog_database
        from desktop.hub.app import HubConfig
        from desktop.hub.server import HubServer

        paths = self.ctx.paths
        config = HubConfig(catalog_database(paths), portal_url=self.ctx.portal_url,
                           files_dir=paths.files)
        port = self.ctx.settings.hub_port

        def work() -> Any:
            return HubServer(config, bind, port).start()

        self._show(self.tr("Starting…"))
        self.ctx.tasks.op(work, Lane.NET).success(self._started) \
            .failure(self._start_failed).run()

    def _started(self, server: Any) -> None:
        if not self.share_check.isChecked():  # switched off while it was starting
            server.stop()
            return
        self.server = server
        self.error = ""
        self._show(self.tr("Sharing the library at {url}. Other Okno computers of the lab "
                           "find it by themselves.").format(url=server.url))

    def _start_failed(self, exc: BaseException) -> None:
        self.error = describe_error(exc) if not str(exc) else str(exc)
        self._show(self.tr("Could not share the library: {reason}").format(reason=self.error))

    def stop_sharing(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            server.stop()
        if not self.error:
            self._show("")

    def _show(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))
        self.state_changed.emit(text)

    def retranslate(self) -> None:
        self.setTitle(self.tr("Local network (computer lab)"))
        self.use_check.setText(self.tr("Take the library from a lab computer that shares it, "
                                       "when there is one"))
        self.share_check.setText(self.tr("Share the library on the local network"))
        for w in self.locked_widgets():
            w.setToolTip(self.tr("Set by the administrator"))
        self.address_label.setText(self.tr("Lab network &card:"))
        self.address_combo.setAccessibleName(self.tr("Network address to share the library on"))
        self.port_label.setText(self.tr("&Port:"))
        self.note.setText(self.tr("Only the public catalog and downloaded files are shared, "
                                  "read-only, on this address only. Posts, sign-in and "
                                  "personal data always go to the portal."))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
