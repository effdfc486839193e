"""The payment calculator's answers as an arrears claim (`flows.policy.arrears`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import cast

from flows.engine.spec import Answers
from flows.policy.arrears import ArrearsClaim
from flows.policy.limits import Payer

CALCULATOR = ("payer_type", "contract_on", "delivered_on", "term_days", "owed", "paid")
REQUIRED = tuple(name for name in CALCULATOR if name != "term_days")


def claim(answers: Answers) -> ArrearsClaim:
    """The founder's arrears claim from the calculator's answers (unanswered ones neutral: the
    contract day for delivery, 1 owed, 0 paid, no agreed term)."""
    contract_on = dt.date.fromisoformat(str(answers.get("contract_on", "2000-01-01")))
    delivered = answers.get("delivered_on")
    term = answers.get("term_days")
    return ArrearsClaim(
        payer=cast(Payer, answers.get("payer_type", "government_body")),
        contract_on=contract_on,
        delivered_on=dt.date.fromisoformat(str(delivered)) if delivered else contract_on,
        owed=Decimal(str(answers.get("owed", "1"))),
        paid=Decimal(str(answers.get("paid", "0"))),
        term_days=None if term is None else int(term),
    )
