"""The course certificate: a one-page A4 PDF with Cyrillic text, made and printed offline.

    path = write_certificate(info, folder)           # Qt's PDF writer, embedded TrueType font
    print_pdf(parent, path)                          # QPrintDialog, pages rendered by QtPdf

``info`` is ``StoreReader.certificate_info(course_id)``: name, school, course title, hours,
completion time and a number derived from user and course (the same on every reprint).
The font is DejaVu Sans (fonts-dejavu-core on Linux; free license) or Arial on Windows;
``OKNO_CERT_FONT``/``OKNO_CERT_FONT_BOLD`` may name others. Texts follow the UI language.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QSizeF
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QWidget

FONT_CANDIDATES = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
     "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
    ("C:/Windows/Fonts/arial.ttf", "C:/Windows/Fonts/arialbd.ttf"),
    ("/Library/Fonts/Arial Unicode.ttf", "/Library/Fonts/Arial Unicode.ttf"),
)


class CertificateError(Exception):
    """No font with Cyrillic letters was found, or the file could not be written."""


def _t(text: str) -> str:
    return QCoreApplication.translate("Certificate", text)


def find_fonts() -> tuple[Path, Path]:
    """(regular, bold) TrueType fonts with Cyrillic letters."""
    env = os.environ.get("OKNO_CERT_FONT")
    if env and Path(env).is_file():
        bold = os.environ.get("OKNO_CERT_FONT_BOLD") or env
        return Path(env), Path(bold if Path(bold).is_file() else env)
    for regular, bold in FONT_CANDIDATES:
        if Path(regular).is_file():
            return Path(regular), Path(bold if Path(bold).is_file() else regular)
    raise CertificateError(_t("No font with Cyrillic letters was found for the certificate. "
                              "Install the DejaVu fonts (fonts-dejavu-core)."))


def _date(stamp: str | None) -> str:
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", stamp or "")
    return f"{m.group(3)}.{m.group(2)}.{m.group(1)}" if m else ""


def certificate_file_name(info: dict[str, Any]) -> str:
    return f"certificate-{info['number']}.pdf"


def _family(path: Path) -> str:
    """The font family of a TrueType file, loaded into the application's font database."""
    from PySide6.QtGui import QFontDatabase

    font_id = QFontDatabase.addApplicationFont(str(path))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        raise CertificateError(_t("No font with Cyrillic letters was found for the "
                                  "certificate. Install the DejaVu fonts (fonts-dejavu-core)."))
    return families[0]


def build_certificate(info: dict[str, Any]) -> bytes:
    """The certificate as PDF bytes (A4 landscape), drawn with Qt's PDF writer (fonts are
    embedded as subsets with their Unicode maps, so the text can be searched and copied)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QPageLayout, QPageSize, QPdfWriter, QPen

    regular, bold = find_fonts()
    family, bold_family = _family(regular), _family(bold)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(254)  # 10 dots per millimetre: coordinates below are 0.1 mm
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Landscape, QMarginsF(0, 0, 0, 0)))
    writer.setTitle(f"{_t('Certificate')} {info['number']}")
    writer.setCreator("Okno")
    w, h = 2970.0, 2100.0
    painter = QPainter()
    if not painter.begin(writer):
        raise CertificateError(_t("The certificate could not be saved: {reason}").format(
            reason="PDF"))
    try:
        blue = QColor(40, 80, 140)
        painter.setPen(QPen(blue, 12))
        painter.drawRect(QRectF(100, 100, w - 200, h - 200))
        painter.setPen(QPen(blue, 4))
        painter.drawRect(QRectF(140, 140, w - 280, h - 280))
        y = 300.0

        def text(value: str, size: float, *, strong: bool = False, gap: float = 40,
                 color: tuple[int, int, int] = (20, 20, 20)) -> None:
            nonlocal y
            font = QFont(bold_family if strong else family)
            font.setPointSizeF(size)
            font.setBold(strong)
            painter.setFont(font)
            painter.setPen(QColor(*color))
            flags = int(Qt.AlignmentFlag.AlignHCenter) | int(Qt.TextFlag.TextWordWrap)
            box = QRectF(250, y, w - 500, h - y)
            used = painter.boundingRect(box, flags, value)
            painter.drawText(box, flags, value)
            y += used.height() + gap

        def corner(value: str, size: float, x: float, top: float, width: float,
                   align: Qt.AlignmentFlag, color: tuple[int, int, int] = (20, 20, 20)) -> None:
            font = QFont(family)
            font.setPointSizeF(size)
            painter.setFont(font)
            painter.setPen(QColor(*color))
            painter.drawText(QRectF(x, top, width, 80), int(align), value)

        text(_t("CERTIFICATE"), 34, strong=True, gap=20, color=(40, 80, 140))
        text(_t("of completing a professional development programme"), 14, gap=100)
        text(_t("This certifies that"), 13)
        text(info["name"] or "—", 24, strong=True, gap=20)
        if info.get("school"):
            text(info["school"], 12, gap=60, color=(80, 80, 80))
        text(_t("has completed the programme"), 13)
        text(f"«{info['course_title']}»", 17, strong=True)
        if info.get("hours"):
            text(_t("in the amount of {hours} academic hours").format(hours=info["hours"]), 13)
        if info.get("author"):
            text(info["author"], 11, gap=20, color=(80, 80, 80))
        left = Qt.AlignmentFlag.AlignLeft
        corner(_t("Completed: {date}").format(date=_date(info.get("completed_at"))), 11,
               250, h - 450, 1200, left)
        corner(_t("No. {number}").format(number=info["number"]), 11, w - 1450, h - 450, 1200,
               Qt.AlignmentFlag.AlignRight)
        corner(_t("Issued by Okno, the single window of access to educational resources"), 9,
               250, h - 350, w - 500, Qt.AlignmentFlag.AlignHCenter, (110, 110, 110))
    finally:
        painter.end()
    buffer.close()
    return bytes(data.data())


def write_certificate(info: dict[str, Any], folder: Path) -> Path:
    """Write the certificate into ``folder`` (atomically) and return its path."""
    data = build_certificate(info)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / certificate_file_name(info)
    tmp = path.with_name(path.name + ".part")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise CertificateError(_t("The certificate could not be saved: {reason}").format(
            reason=exc.strerror or exc)) from None
    return path


def pdf_text(path: Path) -> str:
    """All text of a PDF as QtPdf reads it (used to check what a certificate says)."""
    from PySide6.QtPdf import QPdfDocument

    doc = QPdfDocument()
    doc.load(str(path))
    try:
        return "\n".join(doc.getAllText(i).text() for i in range(doc.pageCount()))
    finally:
        doc.close()


def render_to_printer(path: Path, printer: Any) -> int:
    """Draw every page of the PDF on ``printer`` (a QPrinter); returns the page count."""
    from PySide6.QtPdf import QPdfDocument

    doc = QPdfDocument()
    doc.load(str(path))
    painter = QPainter()
    if doc.pageCount() == 0 or not painter.begin(printer):
        doc.close()
        return 0
    try:
        dpi = printer.resolution()
        for i in range(doc.pageCount()):
            if i:
                printer.newPage()
            page: QSizeF = doc.pagePointSize(i)
            target = printer.pageLayout().paintRectPixels(dpi)
            scale = min(target.width() / page.width(), target.height() / page.height())
            image = doc.render(i, (page * scale).toSize())
            painter.drawImage(0, 0, image)
        return doc.pageCount()
    finally:
        painter.end()
        doc.close()


def print_pdf(parent: QWidget | None, path: Path) -> bool:
    """Ask for a printer (works offline with a local printer) and print the PDF."""
    from PySide6.QtGui import QPageLayout
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageOrientation(QPageLayout.Orientation.Landscape)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(_t("Print the certificate"))
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return False
    return render_to_printer(path, printer) > 0
