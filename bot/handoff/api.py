"""The bot's HTTP endpoint for agency systems: signed status reports (`python -m bot api`, and
inside the webhook server). Unknown references, bad signatures and stale timestamps are refused."""

from __future__ import annotations

import json
import logging

from aiohttp import web

from bot.handoff.agencies import Agencies
from bot.handoff.signing import SIGNATURE_HEADER, SignatureError, verify
from bot.handoff.status import AGENCY_STATUSES, StatusDesk
from bot.handoff.transports import REFERENCE
from storage.submissions import SubmissionStore

log = logging.getLogger(__name__)
STATUS_PATH = "/agency/status"
MAX_BODY = 64 * 1024


def _answer(code: int, **body: object) -> web.Response:
    return web.json_response(body, status=code)


async def _healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def add_status_routes(
    app: web.Application, desk: StatusDesk, submissions: SubmissionStore, agencies: Agencies
) -> None:
    """POST /agency/status: {"reference", "status", "note"} signed with the agency's secret.
    A status reported for a supplement (`<case>-S<n>`) applies to its case. Also GET /healthz."""

    async def report(request: web.Request) -> web.Response:
        body = await request.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            return _answer(413, error="body too large")
        header = request.headers.get(SIGNATURE_HEADER, "")
        try:
            data = json.loads(body)
            reference, status = str(data["reference"]), str(data["status"])
            note = str(data.get("note") or "")[:1000]
        except (ValueError, KeyError, TypeError):
            return _answer(400, error="expected JSON with reference, status and note")
        submission = await submissions.get(reference) if REFERENCE.fullmatch(reference) else None
        agency = agencies.for_office(submission.office) if submission else None
        secrets = list(agency.secrets) if agency else [s for a in agencies.all() for s in a.secrets]
        try:
            if not secrets:  # an agency without a secret (directory) reports nothing here
                raise SignatureError("no secret to verify with")
            verify(body, header, secrets)
        except SignatureError as exc:
            log.warning("status report refused: %s", exc)
            return _answer(401, error="bad or stale signature")
        if submission is None or agency is None:
            return _answer(404, error="unknown reference")
        if status not in AGENCY_STATUSES:
            return _answer(400, error=f"status must be one of {', '.join(AGENCY_STATUSES)}")
        case = submission.parent or reference  # a supplement's status is its case's
        await desk.change(case, status, note, f"agency:{agency.id}")
        return _answer(200, ok=True, reference=case, status=status)

    app.router.add_post(STATUS_PATH, report)
    app.router.add_get("/healthz", _healthz)


def create_api_app(
    desk: StatusDesk, submissions: SubmissionStore, agencies: Agencies
) -> web.Application:
    """The stand-alone API server of `python -m bot api`."""
    app = web.Application(client_max_size=MAX_BODY)
    add_status_routes(app, desk, submissions, agencies)
    return app
