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


def render_one_pager(page: OnePager) -> bytes:
    """The page as PDF bytes (A4 portrait)."""
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    fonts = _fonts_dir()
    pdf.add_font(FONT, "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_title(page.title)
    pdf.set_creator("BiznesPilot")
    pdf.add_page()
    width = pdf.epw

    pdf.set_font(FONT, "B", 20)
    pdf.set_text_color(*INK)
    pdf.multi_cell(width, 9, page.title, new_x="LMARGIN", new_y="NEXT")
    if page.subtitle:
        pdf.set_font(FONT, "", 11)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(width, 6, page.subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    for label, value in page.highlights:
        pdf.set_font(FONT, "", 11)
        pdf.set_text_color(*MUTED)
        pdf.cell(55, 7, label)
        pdf.set_font(FONT, "B", 11)
        pdf.set_text_color(*INK)
        pdf.multi_cell(width - 55, 7, value, new_x="LMARGIN", new_y="NEXT")
    if page.image_png:
        pdf.ln(2)
        pdf.image(io.BytesIO(page.image_png), w=width)
    for section in page.sections:
        pdf.ln(3)
        pdf.set_font(FONT, "B", 13)
        pdf.set_text_color(*ACCENT)
        pdf.multi_cell(width, 7, section.heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 11)
        pdf.set_text_color(*INK)
        for line in section.lines:
            pdf.multi_cell(width, 6, line, new_x="LMARGIN", new_y="NEXT")
    if page.footer:
        pdf.ln(4)
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(width, 5, page.footer, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
