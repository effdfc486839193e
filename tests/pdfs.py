"""Reading application.pdf back in tests, with pypdf: its pages' text, fonts and dates."""

from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.generic import DictionaryObject

# The PDF standard's 14 fonts: every viewer has them, so they are never embedded.
STANDARD_14 = frozenset(
    f"{family}{style}"
    for family, styles in (
        ("Courier", ("", "-Bold", "-Oblique", "-BoldOblique")),
        ("Helvetica", ("", "-Bold", "-Oblique", "-BoldOblique")),
        ("Times", ("-Roman", "-Bold", "-Italic", "-BoldItalic")),
    )
    for style in styles
) | {"Symbol", "ZapfDingbats"}


@dataclass(frozen=True)
class Font:
    """One font a page uses: its /BaseFont, /Subtype and the font file it embeds, if any."""

    name: str
    subtype: str
    file: str | None  # "/FontFile2" (TrueType), "/FontFile3" (CFF) or "/FontFile" (Type 1)


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in reader(pdf).pages)


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in reader(pdf).pages]


def _descriptor(font: DictionaryObject) -> DictionaryObject | None:
    if "/FontDescriptor" in font:
        return font["/FontDescriptor"].get_object()
    if "/DescendantFonts" in font:  # a Type 0 (CID) font describes itself in its descendant
        return _descriptor(font["/DescendantFonts"][0].get_object())
    return None


def fonts(pdf: bytes) -> set[Font]:
    """Every font of every page, with the file it embeds."""
    found: set[Font] = set()
    for page in reader(pdf).pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            font = ref.get_object()
            descriptor = _descriptor(font)
            kinds = ("/FontFile2", "/FontFile3", "/FontFile")
            file = next((k for k in kinds if descriptor is not None and k in descriptor), None)
            found.add(Font(str(font["/BaseFont"]).lstrip("/"), str(font["/Subtype"]), file))
    return found
