"""Downloaded files open inside Okno where Qt can show them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QColor, QImage

from desktop.ui.viewer import FileViewer, multimedia_available, open_file, viewer_kind


def test_viewer_kind_by_mime_and_name() -> None:
    assert viewer_kind("application/pdf") == "pdf"
    assert viewer_kind("application/octet-stream", "урок.PDF") == "pdf"
    assert viewer_kind("image/png") == "image"
    assert viewer_kind("application/vnd.ms-powerpoint", "x.ppt") is None
    assert viewer_kind("video/mp4") == ("media" if multimedia_available() else None)


def test_an_image_opens_in_the_app(qtbot: Any, tmp_path: Path) -> None:
    path = tmp_path / "рисунок.png"
    image = QImage(120, 80, QImage.Format.Format_RGB32)
    image.fill(QColor("#1e6fb8"))
    assert image.save(str(path))
    viewer = open_file(path, "image/png", "рисунок.png")
    assert isinstance(viewer, FileViewer)
    qtbot.addWidget(viewer)
    label = viewer.content.widget()
    assert not label.pixmap().isNull() and label.pixmap().width() == 120


def test_a_pdf_opens_in_the_app(qtbot: Any, tmp_path: Path) -> None:
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text="Quadratic equations")
    path = tmp_path / "lesson.pdf"
    pdf.output(str(path))
    viewer = open_file(path, "application/pdf", "lesson.pdf")
    assert isinstance(viewer, FileViewer)
    qtbot.addWidget(viewer)
    qtbot.waitUntil(lambda: viewer.document.pageCount() == 1, timeout=3000)


def test_audio_plays_in_the_app_when_qtmultimedia_is_there(qtbot: Any, tmp_path: Path) -> None:
    if not multimedia_available():
        pytest.skip("QtMultimedia does not import here (missing system audio libraries)")
    import math
    import struct
    import wave

    path = tmp_path / "песня.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i / 8)))
                               for i in range(8000)))
    viewer = open_file(path, "audio/x-wav", "песня.wav")
    assert isinstance(viewer, FileViewer) and viewer.kind == "media"
    qtbot.addWidget(viewer)
    qtbot.waitUntil(lambda: viewer._player.duration() > 0, timeout=5000)
    assert 900 <= viewer._player.duration() <= 1100  # one second of audio
    viewer.done(0)
