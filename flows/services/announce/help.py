"""❓ Help for each step of composing an announcement."""

from __future__ import annotations

from flows.engine.text import N_

HELP: dict[str, str] = {
    "attachment": N_(
        "A photo or PDF that goes with the announcement (one at most), e.g. the policy notice. "
        "Tap Skip for a text alone."
    ),
    "text_zh": N_(
        "The announcement in Chinese, as founders will read it: what the policy is, who it is "
        "for, by when, and where to apply. Founders who chose English get the English text "
        "when there is one."
    ),
    "text_en": N_(
        "The same announcement in English, for founders who chose English; Skip to send them "
        "the Chinese text."
    ),
    "link": N_(
        "A button under the announcement that opens one of the bot's services, e.g. subsidy "
        "applications for a subsidy notice."
    ),
    "who": N_("Everyone who subscribed to announcements, or only some of them."),
    "topics": N_(
        "The topics the announcement is about: it goes to founders who chose one of them, or "
        "chose no topic (all). Tap them, then Done; Done with none chosen sends it on any topic."
    ),
    "districts": N_(
        "The districts whose founders get it, as their profile says (registration guidance "
        "asks it). Tap them, then Done; none chosen means every district you may send to."
    ),
    "industries": N_(
        "The industries whose founders get it, by the industry in their profile. Tap them, then "
        "Done; none chosen means every industry."
    ),
    "sizes": N_(
        "The sizes of business that get it (micro, small, medium, as registration guidance "
        "classified them). Tap them, then Done; none chosen means every size."
    ),
    "when": N_(
        "After the preview: you send it from the preview. At a time you choose: you give the "
        "time next, and confirm it from the preview."
    ),
    "send_at": N_("The date and time in Shanghai, e.g. 2026-12-02 09:00, within 90 days."),
}
