"""What a founder reads for each status of a submitted application: the names its service's
lifecycle declares (`flows.engine.lifecycle`)."""

from __future__ import annotations

from flows.engine.lifecycle import APPLICATION, Lifecycle
from flows.engine.text import N_, Text

STATUS_NAMES = APPLICATION.names


def status_name(status: object, lifecycle: Lifecycle | None = None) -> Text:
    """A status as the founder reads it ('unknown' for one no lifecycle declares)."""
    names = (lifecycle or APPLICATION).names
    return Text(names.get(str(status), N_("unknown")))
