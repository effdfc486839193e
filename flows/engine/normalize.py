"""Fold what a user typed into the plain form the validators parse (全角 → 半角, tidy spaces).

Chinese characters and the punctuation of Chinese prose (，。：；！？（）) are kept as typed.
"""

from __future__ import annotations

import re

# Full-width forms of ASCII (U+FF01..U+FF5E) sit at a fixed offset from ASCII.
_FULLWIDTH_OFFSET = 0xFEE0
# Punctuation of Chinese prose: folding it would change how a complaint reads.
_PROSE_PUNCTUATION = frozenset("，：；！？（）")
_FOLD = {
    code: code - _FULLWIDTH_OFFSET
    for code in range(0xFF01, 0xFF5F)
    if chr(code) not in _PROSE_PUNCTUATION
}
_FOLD |= {
    0xFFE0: ord("¢"),
    0xFFE1: ord("£"),
    0xFFE2: ord("¬"),
    0xFFE3: ord("¯"),
    0xFFE4: ord("¦"),
    0xFFE5: ord("¥"),
    0xFFE6: ord("₩"),
}
_INVISIBLE = str.maketrans("", "", "\u200b\ufeff")
# '，' and '。' typed with a Chinese input method between digits: 1，200 and 1。5万.
_NUMERIC_PUNCTUATION = re.compile(r"(?<=[0-9])([，。])(?=[0-9])")
_WHITESPACE = re.compile(r"\s+")
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def _collapse(match: re.Match[str]) -> str:
    return "\n" if _LINE_BREAKS.intersection(match.group()) else " "


def _numeric(match: re.Match[str]) -> str:
    return "," if match.group() == "，" else "."


def normalize(text: str) -> str:
    """Fold full-width ASCII to half-width, collapse whitespace (keeping line breaks), strip."""
    folded = text.translate(_FOLD).translate(_INVISIBLE)
    folded = _NUMERIC_PUNCTUATION.sub(_numeric, folded)
    return _WHITESPACE.sub(_collapse, folded).strip()
