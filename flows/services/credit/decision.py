"""A penalty decision's number (行政处罚决定书文号) as founders type it, in its usual form:
an issuer's abbreviation, the year in brackets, a serial number and 号, e.g.
`沪市监罚〔2025〕123号`. Brackets of any kind or none, half- or full-width characters, spaces
are accepted (a 第 before the serial is kept, as some issuers print it) and written the usual way; other text is kept as
typed and flagged, never refused (an office's own numbering may differ)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flows.engine.normalize import normalize

_OPEN, _CLOSE = "〔(［[【〈<（", "〕)］]】〉>）"
_FORM = re.compile(
    rf"(?P<issuer>[\u4e00-\u9fff]{{1,24}})\s*[{re.escape(_OPEN)}]?\s*(?P<year>(?:19|20)\d{{2}})"
    rf"\s*[{re.escape(_CLOSE)}]?\s*-?\s*(?P<nth>第?)\s*(?P<serial>\d{{1,16}})\s*号?"
)


@dataclass(frozen=True)
class DecisionNumber:
    """The number as it is kept, and whether it had the usual form."""

    text: str
    standard: bool


def decision_number(typed: str) -> DecisionNumber:
    """`沪市监罚(2025)123` → 沪市监罚〔2025〕123号 (standard); anything else as typed (not)."""
    text = normalize(typed)
    found = _FORM.fullmatch(text)
    if found is None:
        return DecisionNumber(text, False)
    serial = f"{found['nth']}{found['serial']}"
    return DecisionNumber(f"{found['issuer']}〔{found['year']}〕{serial}号", True)
