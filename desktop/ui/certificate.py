"""The course certificate: a one-page A4 PDF with Cyrillic text, made and printed offline.

    path = write_certificate(info, folder)           # fpdf2 with an embedded TrueType font
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


def build_certificate(info: dict[str, Any]) -> bytes:
    """The certificate as PDF bytes (A4 landscape)."""
    from fpdf import FPDF  # imported late: only needed when a certificate is made

    regular, bold = find_fonts()
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_title(f"{_t('Certificate')} {info['number']}")
    pdf.set_author("Okno")
    pdf.set_creator("Okno")
    pdf.add_font("Cert", "", str(regular))
    pdf.add_font("Cert", "B", str(bold))
    pdf.add_page()
    w, h = pdf.w, pdf.h
    pdf.set_draw_color(40, 80, 140)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, w - 20, h - 20)
    pdf.set_line_width(0.4)
    pdf.rect(14, 14, w - 28, h - 28)

    def line(text: str, size: float, style: str = "", gap: float = 4,
             color: tuple[int, int, int] = (20, 20, 20)) -> None:
        pdf.set_font("Cert", style, size)
        pdf.set_text_color(*color)
        pdf.set_x(25)
        pdf.multi_cell(w - 50, size * 0.5, text, align="C")
        pdf.ln(gap)

    pdf.set_y(30)
    line(_t("CERTIFICATE"), 34, "B", 2, (40, 80, 140))
    line(_t("of completing a professional development programme"), 14, "", 10)
    line(_t("This certifies that"), 13, "", 4)
    line(info["name"] or "—", 24, "B", 2)
    if info.get("school"):
        line(info["school"], 12, "", 6, (80, 80, 80))
    line(_t("has completed the programme"), 13, "", 4)
    line(f"«{info['course_title']}»", 17, "B", 4)
    if info.get("hours"):
        line(_t("in the amount of {hours} academic hours").format(hours=info["hours"]), 13)
    if info.get("author"):
        line(info["author"], 11, "", 2, (80, 80, 80))

    pdf.set_font("Cert", "", 11)
    pdf.set_text_color(20, 20, 20)
    pdf.set_xy(25, h - 45)
    pdf.cell(120, 6, _t("Completed: {date}").format(date=_date(info.get("completed_at"))))
    pdf.set_xy(w - 145, h - 45)
    pdf.cell(120, 6, _t("No. {number}").format(number=info["number"]), align="R")
    pdf.set_xy(25, h - 35)
    pdf.set_font("Cert", "", 9)
    pdf.set_text_color(110, 110, 110)
    pdf.cell(w - 50, 5, _t("Issued by Okno, the single window of access to educational "
                           "resources"), align="C")
    return bytes(pdf.output())


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
