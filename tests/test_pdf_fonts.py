"""Names in any script come out of the PDF, set in the fonts we ship."""

from __future__ import annotations

from io import BytesIO

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from practice.pdf import render_pdf
from practice.pdf.fetcher import ASSET_ROOT

FONTS = ASSET_ROOT / "fonts"
NAMES = ["Zoë", "Łukasz", "José", "李", "Ελένη", "Анна", "Şükrü", "Nguyễn", "민준", "さくら"]


def embedded_fonts(pdf: bytes) -> set[str]:
    """Base font names in the PDF, without the subset prefix (ABCDEF+)."""
    return {
        font.get_object()["/BaseFont"].split("+", 1)[-1]
        for page in PdfReader(BytesIO(pdf)).pages
        for font in page["/Resources"]["/Font"].values()
    }


@pytest.fixture(scope="module")
def names_pdf() -> bytes:
    paragraphs = "".join(f"<p>{name} <strong>{name}</strong></p>" for name in NAMES)
    return render_pdf(f'<link rel="stylesheet" href="print.css">{paragraphs}')


def test_every_name_comes_out_of_the_pdf_as_text(names_pdf):
    text = PdfReader(BytesIO(names_pdf)).pages[0].extract_text()
    for name in NAMES:
        assert text.count(name) == 2, name


def test_only_our_bundled_fonts_are_embedded_so_no_system_fallback_was_needed(names_pdf):
    fonts = embedded_fonts(names_pdf)
    assert {"Twofold-Sans", "Twofold-Sans-Bold", "Twofold-CJK"} <= fonts
    assert all(font.startswith("Twofold-") for font in fonts), fonts  # CJK bold is synthesised


def test_the_bundled_fonts_cover_every_character_of_the_names():
    covered = set()
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DroidSansFallback.ttf"):
        covered |= set(TTFont(FONTS / name).getBestCmap())
    assert {ord(char) for char in "".join(NAMES)} <= covered


@pytest.mark.parametrize(
    ("font", "licence"),
    [
        ("DejaVuSans.ttf", "LICENSE-DejaVu.txt"),
        ("DroidSansFallback.ttf", "LICENSE-DroidSansFallback.txt"),
    ],
)
def test_each_bundled_font_ships_with_its_licence(font, licence):
    assert (FONTS / font).is_file() and (FONTS / licence).stat().st_size > 1000
