"""The bot's HTTP endpoint for agency systems: signed status reports (`python -m bot api`, and
inside the webhook server). Unknown references, bad signatures and stale timestamps are refused;
each report (`report_id`) is applied once, and only in `sequence` (docs/agency-integration.md)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from aiohttp import web

from bot.handoff.agencies import Agencies, Agency
from bot.handoff.signing import MAX_HEADER, SIGNATURE_HEADER, SignatureError, verify
from bot.handoff.status import StatusDesk
from bot.handoff.transports import REFERENCE
from storage.errors import StorageError
from storage.statuses import MAX_SEQUENCE, REPORT_ID, AgencyReport, Outcome
from storage.submissions import SubmissionStore

log = logging.getLogger(__name__)
STATUS_PATH = "/agency/status"
MAX_BODY = 64 * 1024
NOTE_LIMIT = 1000


def _answer(code: int, **body: object) -> web.Response:
    return web.json_response(body, status=code)


async def _healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def signer(agencies: Agencies, body: bytes, header: str) -> Agency | None:
    """The agency whose secret signed `body`, or None (a header is bounded, checked as it
    is: its reasons are logged, never the body)."""
    if not header or len(header) > MAX_HEADER:
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


class BadReport(ValueError):
    """A report body that is not the documented JSON object; its message names the field."""


@dataclass(frozen=True)
class StatusReport:
    """One agency's status report, as its body says (docs/status-report.schema.json)."""

    reference: str
    status: str
    note: str
    report_id: str
    sequence: int


def parse_report(body: bytes) -> StatusReport:
    """The report in a body; `BadReport` (a ValueError) for anything else: not JSON, nested too
    deep, not an object, a missing or mistyped field, text that is not valid Unicode."""
    try:
        data = json.loads(body)
    except RecursionError as exc:
        raise BadReport("nested too deep") from exc
    except ValueError as exc:  # not JSON, not UTF-8, an integer of thousands of digits
        raise BadReport("expected a JSON object") from exc
    if not isinstance(data, dict):
        raise BadReport("expected a JSON object")
    note = "" if data.get("note") is None else data["note"]
    texts = {name: data.get(name) for name in ("reference", "status", "report_id")} | {"note": note}
    for name, value in texts.items():
        if not isinstance(value, str):
            raise BadReport(f"{name} must be a string")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:  # a lone surrogate such as \ud800
            raise BadReport(f"{name} is not valid Unicode") from exc
    if not REPORT_ID.fullmatch(data["report_id"]):
        raise BadReport("report_id must be 1 to 128 of A-Z a-z 0-9 . _ : -")
    sequence = data.get("sequence")
    if isinstance(sequence, bool) or not isinstance(sequence, int):
        raise BadReport("sequence must be an integer")
    if not 0 < sequence <= MAX_SEQUENCE:
        raise BadReport(f"sequence must be from 1 to {MAX_SEQUENCE}")
    return StatusReport(
        data["reference"], data["status"], note[:NOTE_LIMIT], data["report_id"], sequence
    )


def add_status_routes(
    app: web.Application, desk: StatusDesk, submissions: SubmissionStore, agencies: Agencies
) -> None:
    """POST /agency/status: {"reference", "status", "note", "report_id", "sequence"} signed with
    the agency's secret. A status reported for a supplement (`<case>-S<n>`) applies to its case.
    Also GET /healthz."""

    async def report(request: web.Request) -> web.Response:
        try:
            return await _report(request, desk, submissions, agencies)
        except StorageError as exc:  # Redis away, or a record the data keys cannot open
            log.warning("status report not taken: %s", type(exc).__name__)
            return _answer(503, error="try again later")

    app.router.add_post(STATUS_PATH, report)
    app.router.add_get("/healthz", _healthz)


async def _report(
    request: web.Request, desk: StatusDesk, submissions: SubmissionStore, agencies: Agencies
) -> web.Response:
    body = await request.content.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        return _answer(413, error="body too large")
    agency = signer(agencies, body, request.headers.get(SIGNATURE_HEADER, ""))
    if agency is None:  # before anything of the body is read: nobody learns anything
        return _answer(401, error="bad or stale signature")
    try:
        sent = parse_report(body)
    except BadReport as exc:
        return _answer(400, error=str(exc))
    found = await submissions.get(sent.reference) if REFERENCE.fullmatch(sent.reference) else None
    if found is None:
        return _answer(404, error="unknown reference")
    owner = agencies.by_office.get(found.office)  # None: an office gone from the policy data
    if owner is None or owner.id != agency.id:
        log.warning("agency %s reported on another agency's case; refused", agency.id)
        return _answer(401, error="bad or stale signature")
    reportable = desk.lifecycle(found).settable_by("agency")
    if sent.status not in reportable:
        return _answer(400, error=f"status must be one of {', '.join(reportable)}")
    case = found.parent or sent.reference  # a supplement's status is its case's
    report = AgencyReport(agency.id, sent.report_id, sent.sequence)
    recorded = await desk.change(case, sent.status, sent.note, f"agency:{agency.id}", report=report)
    match recorded.outcome:
        case Outcome.RECORDED:
            return _answer(200, ok=True, duplicate=False, reference=case, status=sent.status)
        case Outcome.REPEATED:  # a retry after a lost answer, or a replay: applied once
            return _answer(200, ok=True, duplicate=True, reference=case, status=recorded.detail)
        case Outcome.STALE:
            log.info("agency %s: a stale report on %s refused", agency.id, case)
            last = int(recorded.detail)
            return _answer(409, error="stale sequence", reference=case, last_sequence=last)
        case Outcome.IGNORED:  # the case's status does not allow it (it is closed)
            log.info("agency %s: a report on %s not allowed from its status", agency.id, case)
            current = recorded.detail or None
            return _answer(
                409, error="not allowed from the case's status", reference=case, status=current
            )
        case _:  # the case went away meanwhile
            return _answer(404, error="unknown reference")


def create_api_app(
    desk: StatusDesk, submissions: SubmissionStore, agencies: Agencies
) -> web.Application:
    """The stand-alone API server of `python -m bot api`."""
    app = web.Application(client_max_size=MAX_BODY)
    add_status_routes(app, desk, submissions, agencies)
    return app
