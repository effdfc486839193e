"""What happens to a complaint after it is filed: the common statuses, plus the closed loop of
Art. 10 (诉求分派、督办、反馈): the office transfers it to the competent department, a timed
check marks it overdue when the office has not answered by its deadline, the founder may then
escalate it, the office closes it, and the founder rates the handling."""

from __future__ import annotations

from flows.engine.lifecycle import APPLICATION, Change, Status
from flows.engine.text import N_

WAITING = ("delivered", "accepted", "transferred", "supplied")  # the office owes an answer

COMPLAINT = APPLICATION.extend(
    [
        Status("transferred", N_("transferred to the competent department")),
        Status("overdue", N_("past its deadline"), late=True),
        Status("escalated", N_("escalated"), late=True),  # only ever after `overdue`
        Status("closed", N_("closed"), final=True),
        Status("rated", N_("rated"), final=True),
    ],
    [
        Change("transferred", ("agency", "staff"), ("delivered", "accepted", "supplied")),
        Change("overdue", ("timer",), WAITING),
        Change("escalated", ("founder",), ("overdue",)),
        Change("closed", ("agency", "staff")),
        # the founder's rating follows the office's last word, whatever it was
        Change("rated", ("founder",), ("closed", "rejected")),
    ],
    without=("resolved",),  # a complaint is closed, with its outcome: one word for staff
)
