"""Open a downloaded file: inside Okno where Qt can show it, else with the system's program.

PDF with QtPdf, images with QPixmap, audio and video with QtMultimedia when it imports
(it needs the system's media libraries, which a lab PC may lack).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)


def viewer_kind(mime: str, name: str = "") -> str | None:
    """Which in-app viewer fits: "pdf", "image", "media", or None for the system's program."""
    mime = (mime or "").lower()
    suffix = Path(name).suffix.lower()
    if mime == "application/pdf" or suffix == ".pdf":
        return "pdf"
    if mime.startswith("image/") and mime != "image/svg+xml":
        return "image"
    if mime.startswith(("audio/", "video/")):
        return "media" if multimedia_available() else None
    return None


def multimedia_available() -> bool:
    try:
        from PySide6 import QtMultimedia, QtMultimediaWidgets  # noqa: F401
    except ImportError:
        return False
    return True


class FileViewer(QDialog):
    """A window showing one file; ``kind`` is what :func:`viewer_kind` chose."""

    def __init__(self, path: Path, title: str, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(900, 700)
        self.kind = kind
        self.path = path
        self._player = None  # set by _media; must exist before _make_content runs
        layout = QVBoxLayout(self)
        self.content = self._make_content(path, kind)
        layout.addWidget(self.content, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        external = buttons.addButton(self.tr("Open in another program"),
                                     QDialogButtonBox.ButtonRole.ActionRole)
        external.clicked.connect(lambda: open_externally(path))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _make_content(self, path: Path, kind: str) -> QWidget:
        if kind == "pdf":
            from PySide6.QtPdf import QPdfDocument
            from PySide6.QtPdfWidgets import QPdfView

            view = QPdfView(self)
            self.document = QPdfDocument(self)
            self.document.load(str(path))
            view.setDocument(self.document)
            view.setPageMode(QPdfView.PageMode.MultiPage)
            view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
            view.setAccessibleName(self.tr("Document"))
            return view
        if kind == "image":
            area = QScrollArea(self)
            label = QLabel(area)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            pixmap = QPixmap(str(path))
            if pixmap.isNull():
                label.setText(self.tr("This image cannot be shown."))
            else:
                label.setPixmap(pixmap)
            label.setAccessibleName(self.tr("Image"))
            area.setWidget(label)
            area.setWidgetResizable(True)
            return area
        return self._media(path)

    def _media(self, path: Path) -> QWidget:
        from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
        from PySide6.QtMultimediaWidgets import QVideoWidget

        video = QVideoWidget(self)
        player = QMediaPlayer(self)
        audio = QAudioOutput(self)
        player.setAudioOutput(audio)
        player.setVideoOutput(video)
        player.setSource(QUrl.fromLocalFile(str(path)))
        player.play()
        self._player = player
        video.setAccessibleName(self.tr("Video"))
        return video

    def done(self, result: int) -> None:
        if self._player is not None:
            self._player.stop()
        super().done(result)


def open_externally(path: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def open_file(path: Path, mime: str, name: str, parent: QWidget | None = None
              ) -> FileViewer | None:
    """Show ``path`` in the app when possible (returns the viewer), else hand it to the OS."""
    kind = viewer_kind(mime, name)
    if kind is None:
        open_externally(path)
        return None
    viewer = FileViewer(path, name, kind, parent)
    viewer.show()
    return viewer
