"""What a founder reads for each status of a submitted application."""

from __future__ import annotations

from flows.engine.text import N_

STATUS_NAMES = {
    "submitted": N_("submitted"),
    "delivered": N_("delivered to the office"),
    "accepted": N_("accepted"),
    "more_info": N_("more information requested"),
    "rejected": N_("rejected"),
    "resolved": N_("resolved"),
    "supplied": N_("more information sent"),
}
