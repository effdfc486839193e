"""The CJK TrueType font application.pdf embeds, a subset per document, so Chinese shows in any
viewer: registered with reportlab once per process and file, checked when the app starts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError

from bot.handoff.subsetting import CachingTTFont
from bot.handoff.wording import characters

# Debian's fonts-wqy-microhei (Apache-2.0): TrueType outlines, which reportlab can subset.
DEFAULT_FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT_PACKAGE = "fonts-wqy-microhei"


class FontError(ValueError):
    """The PDF font file is missing or unusable; the message names the file and the fix."""


@dataclass(frozen=True)
class PdfFont:
    """A font registered with reportlab under `name`, from `file` (a .ttc's first face)."""

    name: str
    file: Path


def load_font(file: Path | None = None) -> PdfFont:
    """Register `file` (PDF_FONT_FILE; Debian's WenQuanYi Micro Hei when None) once per process;
    FontError when it is missing, not TrueType, or lacks a character of the PDF's wording."""
    return _load((file or DEFAULT_FONT_FILE).resolve())


@cache
def _load(file: Path) -> PdfFont:
    fix = (
        f"install Debian's {FONT_PACKAGE} (apt-get install {FONT_PACKAGE}) "
        "or point PDF_FONT_FILE at a TrueType CJK font"
    )
    if not file.is_file():
        raise FontError(f"PDF_FONT_FILE: {file} not found; {fix}")
    try:
        # reportlab's TTFont, whose subsets are made faster (the same bytes)
        font = CachingTTFont(f"CJK {file}", str(file), subfontIndex=0)  # a name per file
    except (TTFError, OSError) as exc:
        raise FontError(f"PDF_FONT_FILE: {file} cannot be embedded ({exc}); {fix}") from None
    missing = [c for c in characters() if ord(c) not in font.face.charToGlyph]
    if missing:
        raise FontError(f"PDF_FONT_FILE: {file} lacks {''.join(missing[:10])}; {fix}")
    pdfmetrics.registerFont(font)
    return PdfFont(font.fontName, file)
