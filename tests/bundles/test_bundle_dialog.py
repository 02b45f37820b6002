"""The USB drive dialog (pytest-qt, offscreen): export, check, import, refusal, outbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from desktop.paths import Paths
from protocol import bundle as pb

pytestmark = pytest.mark.ui


def _dialog(qtbot: Any, ctx: Any) -> Any:
    from desktop.ui.bundle_dialog import BundleDialog

    dialog = BundleDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_export_then_import_on_another_computer(qtbot, make_ctx, library_paths, tmp_path):
    from PySide6.QtCore import Qt

    drive = tmp_path / "drive"
    source = _dialog(qtbot, make_ctx(library_paths))
    assert source.subjects.count() > 0 and source.collections.count() > 0
    source.dest.setText(str(drive))
    source.export()
    written = list(drive.glob("*.okb"))
    assert len(written) == 1 and "Written" in source.last_result

    target_paths = Paths(tmp_path / "other").ensure()
    target_ctx = make_ctx(target_paths)
    seen = []
    target_ctx.hub.changed.connect(seen.append)
    target = _dialog(qtbot, target_ctx)
    target.tabs.setCurrentIndex(1)
    target.source.setText(str(written[0]))
    target.check()
    assert target.report is not None and target.report.trust == "device"
    assert "Made on the computer" in target.summary.text()
    assert target.import_button.isEnabled()
    target.import_button.click()
    assert "Imported: " in target.last_result
    assert target_ctx.reader.counts()["resources"] == 300
    assert any(c.catalog for c in seen)
    # The receipt it left makes the next export from the source write nothing.
    source.export()
    assert "already have everything" in source.last_result
    assert len(list(drive.glob("*.okb"))) == 1
    assert source.choice_box.isEnabled() is False
    source.with_files.setChecked(True)
    assert source.choice_box.isEnabled()
    source.subjects.item(0).setCheckState(Qt.CheckState.Checked)
    assert source._ticked(source.subjects)


def test_tampered_bundle_is_refused_in_plain_words(qtbot, make_ctx, library_paths, tmp_path):
    drive = tmp_path / "drive"
    source = _dialog(qtbot, make_ctx(library_paths))
    source.dest.setText(str(drive))
    source.export()
    (bundle,) = drive.glob("*.okb")
    raw = bytearray(bundle.read_bytes())
    raw[-20] ^= 0x01
    bundle.write_bytes(bytes(raw))
    ctx = make_ctx(Paths(tmp_path / "victim").ensure())
    target = _dialog(qtbot, ctx)
    target.source.setText(str(bundle))
    target.check()  # the header and signature are fine: only the parts were changed
    target.import_button.click()
    assert "changed after it was made" in target.last_result
    assert ctx.reader.counts()["resources"] == 0


def test_untrusted_portal_key_can_be_confirmed(qtbot, make_ctx, tmp_path):
    signer = pb.Signer.generate()
    src = tmp_path / "results.zst"
    pb.write_lines(src, [])
    drive = tmp_path / "drive"
    pb.write_bundle(drive / "answers.okb", pb.base_manifest(
        "results", "portal-x", {"type": "portal", "name": "Тестовый портал",
                                "key": pb.encode_key(signer.public_raw)}, "2025-01-01T00:00:00Z"),
        signer, [pb.staged_part(src, "results", count=0)])
    ctx = make_ctx(Paths(tmp_path / "school").ensure())
    dialog = _dialog(qtbot, ctx)
    dialog.source.setText(str(drive / "answers.okb"))
    dialog.check()
    assert dialog.report is None and not dialog.trust_button.isHidden()
    assert pb.short_fingerprint(signer.fingerprint) in dialog.summary.text()
    dialog.trust_button.click()
    assert dialog.report is not None and dialog.report.trust == "portal"


def test_sync_page_opens_the_dialog(qtbot, window):
    window.navigate("sync")
    dialog = window.sync.open_usb()
    assert dialog.isVisible()
    dialog.grab().save(str(Path("/tmp") / "okno-bundle-dialog.png"))
    dialog.close()
