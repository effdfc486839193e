"""The bot's HTTP endpoint for agency systems: signed status reports (`python -m bot api`, and
inside the webhook server). Unknown references, bad signatures and stale timestamps are refused."""

from __future__ import annotations

import json
import logging

from aiohttp import web

from bot.handoff.agencies import Agencies, Agency
from bot.handoff.signing import SIGNATURE_HEADER, SignatureError, verify
from bot.handoff.status import AGENCY_STATUSES, StatusDesk
from bot.handoff.transports import REFERENCE
from storage.submissions import SubmissionStore

log = logging.getLogger(__name__)
STATUS_PATH = "/agency/status"
MAX_BODY = 64 * 1024
MAX_SIGNATURE = 512  # t=<10 digits>,v1=<64 hex>, twice during a rotation, with room
NOTE_LIMIT = 1000


def _answer(code: int, **body: object) -> web.Response:
    return web.json_response(body, status=code)


async def _healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def signer(agencies: Agencies, body: bytes, header: str) -> Agency | None:
    """The agency whose secret signed `body`, or None (a header is bounded, checked as it
    is: its reasons are logged, never the body)."""
    if not header or len(header) > MAX_SIGNATURE:
        return None
    for agency in agencies.all():
        if not agency.secrets:  # an agency without a secret (directory) reports nothing here
            continue
        try:
            verify(body, header, list(agency.secrets))
        except SignatureError:
            continue
        return agency
    log.warning("status report refused: no agency's secret verifies its signature")
    return None


def parse_report(body: bytes) -> tuple[str, str, str]:
    """(reference, status, note) from a report body; ValueError for anything else (not JSON,
    nested too deep, not an object, text that is not valid Unicode)."""
    try:
        data = json.loads(body)
    except RecursionError as exc:
        raise ValueError("nested too deep") from exc
    fields = data if isinstance(data, dict) else {}
    reference, status, note = fields.get("reference"), fields.get("status"), fields.get("note")
    note = "" if note is None else note
    if not (isinstance(reference, str) and isinstance(status, str) and isinstance(note, str)):
        raise ValueError("expected an object with string reference, status and note")  # noqa: TRY004 - one error kind: a bad body
    for value in (reference, status, note):
        value.encode("utf-8")  # a lone surrogate (\ud800) raises UnicodeEncodeError, a ValueError
    return reference, status, note[:NOTE_LIMIT]


def add_status_routes(
    app: web.Application, desk: StatusDesk, submissions: SubmissionStore, agencies: Agencies
) -> None:
    """POST /agency/status: {"reference", "status", "note"} signed with the agency's secret.
    A status reported for a supplement (`<case>-S<n>`) applies to its case. Also GET /healthz."""

    async def report(request: web.Request) -> web.Response:
        body = await request.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            return _answer(413, error="body too large")
        agency = signer(agencies, body, request.headers.get(SIGNATURE_HEADER, ""))
        if agency is None:  # before anything of the body is read: nobody learns anything
            return _answer(401, error="bad or stale signature")
        try:
            reference, status, note = parse_report(body)
        except ValueError:
            return _answer(400, error="expected JSON with reference, status and note")
        submission = await submissions.get(reference) if REFERENCE.fullmatch(reference) else None
        if submission is None:
            return _answer(404, error="unknown reference")
        if agencies.for_office(submission.office).id != agency.id:
            log.warning("agency %s reported on another agency's case; refused", agency.id)
            return _answer(401, error="bad or stale signature")
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
