"""A completed application becomes an immutable submission in the founder's state, written with
the update that completed it; a supplement marks its case answered."""

from __future__ import annotations

from flows.engine.draft import Draft, FounderState, Submission
from flows.engine.spec import Context, SubmissionRequest
from flows.services.followup import CASE_STATUS


def submit(
    state: FounderState,
    draft: Draft,
    request: SubmissionRequest,
    now: float,
    ctx: Context,
) -> None:
    """Turn the draft into an immutable submission; the draft, with its personal data, goes."""
    if request.parent:
        purpose = str(request.answers.get("purpose") or "answer")
        for entry in state.applications:
            if entry.get("reference") == request.parent:
                entry["status"] = CASE_STATUS.get(purpose, "supplied")  # until it is delivered
                entry.pop("question", None)
    state.submit(
        Submission(
            reference=request.reference or ctx.submission_reference,
            founder=state.founder.anonymous() if request.anonymous else state.founder,
            flow=draft.flow,
            programme=request.programme,
            office=request.office,
            district=request.district,
            locale=ctx.locale,
            answers=dict(request.answers),
            attachments=[dict(a) for a in request.attachments],
            submitted_at=now,
            parent=request.parent,
        ),
        listed=not request.anonymous,
    )
    state.drop_draft(draft.flow)
