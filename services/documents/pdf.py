"""One-page PDF documents with fpdf2 and the DejaVu fonts matplotlib ships (Cyrillic, Uzbek
apostrophes), so no system fonts are needed."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

FONT = "DejaVu"
INK = (31, 41, 55)
MUTED = (107, 114, 128)
ACCENT = (37, 99, 235)


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    lines: list[str]


@dataclass(frozen=True, slots=True)
class OnePager:
    """A titled page: key figures, an image, then sections — all text already localized."""

    title: str
    subtitle: str = ""
    highlights: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    image_png: bytes | None = None
    sections: list[Section] = field(default_factory=list)
    footer: str = ""


def _fonts_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


class Page:
    """An A4 portrait fpdf2 document with the DejaVu fonts and the house colours: the one
    layout every PDF of the product (offer one-pagers, receipts, reports) is written with."""

    def __init__(self, title: str) -> None:
        from fpdf import FPDF

        pdf = FPDF(orientation="P", unit="mm", format="A4")
        pdf.set_auto_page_break(auto=True, margin=15)
        fonts = _fonts_dir()
        pdf.add_font(FONT, "", str(fonts / "DejaVuSans.ttf"))
        pdf.add_font(FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))
        pdf.set_title(title)
        pdf.set_creator("BiznesPilot")
        pdf.add_page()
        self.pdf = pdf
        self.width = float(pdf.epw)

    def gap(self, mm: float) -> None:
        self.pdf.ln(mm)

    def text(self, value: str, *, size: float, height: float, bold: bool = False,
             color: tuple[int, int, int] = INK) -> None:
        """A paragraph across the page (wrapped)."""
        self.pdf.set_font(FONT, "B" if bold else "", size)
        self.pdf.set_text_color(*color)
        self.pdf.multi_cell(self.width, height, value, new_x="LMARGIN", new_y="NEXT")

    def pair(self, label: str, value: str, *, label_width: float = 55, size: float = 11,
             height: float = 7) -> None:
        """A muted label and its bold value on one line."""
        self.pdf.set_font(FONT, "", size)
        self.pdf.set_text_color(*MUTED)
        self.pdf.cell(label_width, height, label)
        self.pdf.set_font(FONT, "B", size)
        self.pdf.set_text_color(*INK)
        self.pdf.multi_cell(self.width - label_width, height, value, new_x="LMARGIN",
                            new_y="NEXT")

    def image(self, png: bytes) -> None:
        """A PNG across the page's width."""
        self.pdf.image(io.BytesIO(png), w=self.width)

    def table(self, header: list[str], rows: list[list[str]], *, size: float = 9) -> None:
        """A table with an accent header row and horizontal rules."""
        from fpdf.fonts import FontFace

        self.pdf.set_font(FONT, "", size)
        self.pdf.set_text_color(*INK)
        head = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=ACCENT)
        with self.pdf.table(headings_style=head, line_height=6, text_align="LEFT",
                            borders_layout="HORIZONTAL_LINES") as t:
            for row in [header, *rows]:
                line = t.row()
                for value in row:
                    line.cell(value)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def render_one_pager(page: OnePager) -> bytes:
    """The page as PDF bytes (A4 portrait)."""
    doc = Page(page.title)
    doc.text(page.title, size=20, height=9, bold=True)
    if page.subtitle:
        doc.text(page.subtitle, size=11, height=6, color=MUTED)
    doc.gap(3)
    for label, value in page.highlights:
        doc.pair(label, value)
    if page.image_png:
        doc.gap(2)
        doc.image(page.image_png)
    for section in page.sections:
        doc.gap(3)
        doc.text(section.heading, size=13, height=7, bold=True, color=ACCENT)
        for line in section.lines:
            doc.text(line, size=11, height=6)
    if page.footer:
        doc.gap(4)
        doc.text(page.footer, size=9, height=5, color=MUTED)
    return doc.output()
