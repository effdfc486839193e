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
    "audience": N_(
        "Tap the ones to include, then Done; Done with none chosen includes everyone. A founder "
        "is matched by the district, industry and size in their profile and by the topics they "
        "chose."
    ),
    "when": N_("Send it once you have seen the preview, or at a time you choose."),
    "send_at": N_("The date and time in Shanghai, e.g. 2026-12-02 09:00, within 90 days."),
}
