"""The embedded font's subsets made faster, byte for byte as reportlab makes them.

Every application.pdf embeds one or two subsets of the CJK font (bot.handoff.fonts), and
reportlab's `TTFontFile.makeSubset` makes each from scratch: it copies the whole glyf table out
of the font file, reads every glyph's header and composite components through its file
pointer, one short at a time, then zlib compresses the subset. That was about a third of a
bundle's render CPU, though the glyphs are the same from one document to the next.

`CachingTTFont` is reportlab's `TTFont` whose face keeps, per glyph, what makeSubset reads of
it (its glyf bytes, the glyphs it is made of, where their numbers sit in it), and builds the
subset from those in the same order and with the same tables, checksums and padding; the last
few subsets made, keyed by their exact code points, and the compressed font files of the last
few subsets are kept whole. A glyph whose data makeSubset would read in two different ways (a
damaged font) sends its subset to reportlab's own makeSubset. What is kept is per process and
not locked: a render process (or the event loop, inline) renders one PDF at a time, as
reportlab's TTFont itself requires. Nothing of reportlab is patched:
only the fonts load_font registers are these. tests/bot/test_pdf_cache.py holds the subsets
and the PDFs to what stock reportlab makes.
"""

from __future__ import annotations

import math
import zlib
from collections import OrderedDict
from itertools import accumulate
from struct import error as StructError
from struct import pack, pack_into, unpack_from
from typing import Any, NamedTuple

from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.ttfonts import (
    GF_ARG_1_AND_2_ARE_WORDS,
    GF_MORE_COMPONENTS,
    GF_WE_HAVE_A_SCALE,
    GF_WE_HAVE_A_TWO_BY_TWO,
    GF_WE_HAVE_AN_X_AND_Y_SCALE,
    TTFError,
    TTFont,
    TTFontFace,
    TTFontFile,
    TTFontMaker,
)

SUBSETS_KEPT = 16  # whole subsets (and their compressed streams) kept per font
COPIED_TABLES = ("name", "OS/2", "cvt ", "fpgm", "prep")  # as makeSubset copies them


class Glyph(NamedTuple):
    """What makeSubset takes of one glyph of the font."""

    padded: bytes  # its bytes in the glyf table, zeros after them to a multiple of 4
    advance: int  # by how much it moves the next glyph's offset (its loca length, padded)
    metrics: tuple[int, int]  # its advance width and left side bearing (hmtx)
    components: tuple[int, ...]  # the glyphs a composite glyph is made of, in order
    numbers: tuple[int, ...]  # where in `padded` each component's glyph number sits


class CachingFace(TTFontFace):  # type: ignore[misc]  # reportlab is untyped
    """A TTFontFace whose makeSubset reuses each glyph's data across documents."""

    _glyphs: dict[int, Glyph | None]
    _subsets: OrderedDict[tuple[int, ...], bytes]
    _tables: tuple[tuple[str, bytes], ...] | None

    @classmethod
    def of(cls, face: TTFontFace) -> CachingFace:
        """`face`, already parsed, as a CachingFace (the font file is not read again)."""
        caching = cls.__new__(cls)
        caching.__dict__.update(face.__dict__)
        caching._glyphs = {}
        caching._subsets = OrderedDict()
        caching._tables = caching._copied_tables()
        return caching

    def _copied_tables(self) -> tuple[tuple[str, bytes], ...] | None:
        """The tables makeSubset copies, or None without a post table (its error is then
        reportlab's own, from its makeSubset)."""
        tables = []
        for tag in COPIED_TABLES:
            try:
                tables.append((tag, self.get_table(tag)))
            except KeyError:  # optional tables (makeSubset skips them the same way)
                pass
        try:
            post = b"\x00\x03\x00\x00" + self.get_table("post")[4:16] + b"\x00" * 16
        except KeyError:
            return None
        return (*tables, ("post", post))

    def makeSubset(self, subset: list[int]) -> bytes:
        key = tuple(subset)
        made = self._subsets.get(key)
        if made is None:
            made = self._make(subset)
            self._subsets[key] = made
            if len(self._subsets) > SUBSETS_KEPT:
                self._subsets.popitem(last=False)
        else:
            self._subsets.move_to_end(key)
        return made

    def addSubsetObjects(self, doc: Any, fontname: str, subset: list[int]) -> Any:
        descriptor = super().addSubsetObjects(doc, fontname, subset)
        stream = doc.idToObject.get(f"fontFile:{self.filename}({fontname})")
        if stream is not None and stream.filters == [pdfdoc.PDFZCompress]:
            stream.filters = [KEPT_FLATE]  # the same zlib.compress, kept for the next document
        return descriptor

    def _glyph(self, index: int) -> Glyph | None:
        try:
            return self._glyphs[index]
        except KeyError:
            glyph = self._glyphs[index] = self._read_glyph(index)
            return glyph

    def _read_glyph(self, index: int) -> Glyph | None:
        """The glyph as makeSubset reads it; None when its two readings of it could differ or
        fail (reportlab's own makeSubset then makes the subset, as it would have)."""
        try:
            data_all = self._ttf_data
            start, size = self.get_table_pos("glyf")
            position = self.glyphPos[index]
            length = self.glyphPos[index + 1] - position
            data = bytes(memoryview(data_all)[start : start + size][position : position + length])
            components: list[int] = []
            if length:  # makeSubset's first pass: through the file, from the glyph's start
                at = start + position
                if len(data_all[at : at + 2]) != 2:
                    return None
                if unpack_from(">h", data_all, at)[0] < 0:
                    at += 10
                    flags = GF_MORE_COMPONENTS
                    while flags & GF_MORE_COMPONENTS:
                        if at < 0 or at + 4 > len(data_all):
                            return None
                        flags, component = unpack_from(">HH", data_all, at)
                        components.append(component)
                        at += _component_size(flags)
            numbers: list[int] = []
            found: list[int] = []
            if length > 2 and unpack_from(">h", data, 0)[0] < 0:  # its second pass, in `data`
                at = 10
                flags = GF_MORE_COMPONENTS
                while flags & GF_MORE_COMPONENTS:
                    if at + 4 > len(data):
                        return None
                    flags, component = unpack_from(">HH", data, at)
                    numbers.append(at + 2)
                    found.append(component)
                    at += _component_size(flags)
            if found != components:
                return None
            aw, lsb = self.hmetrics[index]
            padding = -length % 4  # the glyphs before it end on a multiple of 4
            return Glyph(
                data + b"\0" * padding,
                length + padding,
                (int(aw), int(lsb)),
                tuple(components),
                tuple(numbers),
            )
        except (IndexError, KeyError, StructError, TTFError):
            return None

    def _make(self, subset: list[int]) -> bytes:
        """TTFontFile.makeSubset, from the glyphs kept: the same tables, in the same order."""
        if self._tables is None:
            return bytes(TTFontFile.makeSubset(self, subset))
        glyph_map = [0]  # new glyph index -> old glyph index
        glyph_set = {0: 0}  # old glyph index -> new glyph index
        code_to_glyph: dict[int, int] = {}  # unicode -> new glyph index
        char_to_glyph = self.charToGlyph
        for code in subset:
            original = char_to_glyph.get(code, 0)
            if original not in glyph_set:
                glyph_set[original] = len(glyph_map)
                glyph_map.append(original)
            code_to_glyph[code] = glyph_set[original]
        # the glyphs composite glyphs are made of
        glyphs: list[Glyph] = []
        kept = self._glyphs
        for original in glyph_map:  # the components appended are met in turn
            glyph = kept[original] if original in kept else self._glyph(original)
            if glyph is None:
                return bytes(TTFontFile.makeSubset(self, subset))
            glyphs.append(glyph)
            for component in glyph.components:
                if component not in glyph_set:
                    glyph_set[component] = len(glyph_map)
                    glyph_map.append(component)

        output = TTFontMaker()
        for tag, table in self._tables:
            output.add(tag, table)
        num_glyphs = len(glyph_map)

        # hmtx, as makeSubset packs it
        hmtx = [metric for glyph in glyphs for metric in glyph.metrics]
        n = len(hmtx) - 2
        while n and hmtx[n] == hmtx[n - 2]:
            n -= 2
        n += 2
        number_of_hmetrics = n >> 1
        hmtx = hmtx[:n] + hmtx[n + 1 :: 2]
        output.add("hmtx", pack(f">{len(hmtx)}H", *hmtx))
        hhea = self.get_table("hhea")
        output.add("hhea", _set_ushort(hhea, 34, number_of_hmetrics))
        maxp = self.get_table("maxp")
        output.add("maxp", _set_ushort(maxp, 4, num_glyphs))

        entry_count = len(subset)
        cmap = [0, 1, 1, 0, 0, 12, 6, 10 + entry_count * 2, 0, 0, entry_count]
        cmap += [code_to_glyph[code] for code in subset]
        output.add("cmap", pack(f">{len(cmap)}H", *cmap))

        # glyf: the glyphs one after another, composite ones' components renumbered
        offsets = [0, *accumulate(glyph.advance for glyph in glyphs)]
        pos = offsets[-1]
        glyf = bytearray().join([glyph.padded for glyph in glyphs])
        at = 0
        for glyph in glyphs:
            for number, component in zip(glyph.numbers, glyph.components, strict=True):
                pack_into(">H", glyf, at + number, glyph_set[component])
            at += len(glyph.padded)
        output.add("glyf", bytes(glyf))
        if (pos + 1) >> 1 > 0xFFFF:
            index_to_loc_format = 1
            loca = pack(f">{len(offsets)}L", *offsets)
        else:
            index_to_loc_format = 0
            loca = pack(f">{len(offsets)}H", *(offset >> 1 for offset in offsets))
        output.add("loca", loca)
        output.add("head", _set_ushort(self.get_table("head"), 50, index_to_loc_format))
        return bytes(output.makeStream())


def _component_size(flags: int) -> int:
    """The bytes of one composite component record past its flags and glyph number."""
    size = 4 + (4 if flags & GF_ARG_1_AND_2_ARE_WORDS else 2)
    if flags & GF_WE_HAVE_A_SCALE:
        return size + 2
    if flags & GF_WE_HAVE_AN_X_AND_Y_SCALE:
        return size + 4
    if flags & GF_WE_HAVE_A_TWO_BY_TWO:
        return size + 8
    return size


def _set_ushort(data: bytes, offset: int, value: int) -> bytes:
    return data[:offset] + pack(">H", value) + data[offset + 2 :]


class KeptFlate:
    """reportlab's FlateDecode filter (zlib.compress at its default level), remembering the
    last few streams it compressed: a font subset met again is not compressed again."""

    pdfname = "FlateDecode"

    def __init__(self, kept: int) -> None:
        self._kept = kept
        self._streams: OrderedDict[bytes, bytes] = OrderedDict()

    def encode(self, text: bytes | str) -> bytes:
        if isinstance(text, str):
            text = text.encode("utf8")
        compressed = self._streams.get(text)
        if compressed is None:
            compressed = self._streams[text] = zlib.compress(text)
            if len(self._streams) > self._kept:
                self._streams.popitem(last=False)
        else:
            self._streams.move_to_end(text)
        return compressed

    def decode(self, encoded: bytes) -> bytes:
        return zlib.decompress(encoded)


KEPT_FLATE = KeptFlate(SUBSETS_KEPT)


class FormattedNumber(pdfdoc.PDFObject):  # type: ignore[misc]
    """A number in a PDF array, formatted once by reportlab (pdfdoc.format) for every PDF."""

    __slots__ = ("formatted",)

    def __init__(self, number: float) -> None:
        self.formatted = pdfdoc.format(number, None)

    def format(self, document: Any) -> bytes:
        return bytes(self.formatted)


_NUMBERS: dict[tuple[type, float], FormattedNumber] = {}


def _formatted(value: Any) -> Any:
    """`value` as a FormattedNumber when reportlab formats it as a number (0 aside: -0.0 is
    0.0 as a key), else as it is."""
    if type(value) not in (float, int) or not value or math.isnan(value):
        return value
    key = (type(value), value)
    number = _NUMBERS.get(key)
    if number is None:
        number = _NUMBERS[key] = FormattedNumber(value)
    return number


class CachingTTFont(TTFont):  # type: ignore[misc]
    """reportlab's TTFont with a CachingFace: the same PDFs, subsets made faster; each subset
    font's /Widths (a glyph width each) formatted from numbers formatted once."""

    def __init__(self, name: str, filename: str, **kwargs: Any) -> None:
        super().__init__(name, filename, **kwargs)
        self.face: CachingFace = CachingFace.of(self.face)

    def addObjects(self, doc: Any) -> None:
        fonts = doc.idToObject["BasicFonts"].dict
        before = set(fonts)
        super().addObjects(doc)
        for name in fonts.keys() - before:  # this font's subsets, just added
            widths: Any = getattr(fonts[name], "Widths", None)
            if widths is not None and type(widths) is pdfdoc.PDFArray:
                widths.sequence = [_formatted(value) for value in widths.sequence]
