"""The reference receiver agency IT integrates against (`python -m bot agency-inbox`).

POST /bundles  a signed multipart bundle (bundle.json version 1 or 2), stored once under
               `<folder>/<reference>/`
GET  /bundles  the stored references, their kind and when each arrived
`post_status`  sends a status back to the bot, signed the same way
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path
from typing import Final

import aiohttp
from aiohttp import web

from bot.handoff.signing import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, SignatureError, sign, verify
from bot.handoff.transports import (
    DELIVERY_HEADER,
    KIND_HEADER,
    REFERENCE,
    VERSION_HEADER,
    write_bundle_folder,
)
from bot.handoff.types import BUNDLE_VERSIONS

log = logging.getLogger(__name__)
RECEIPT: Final = "receipt.json"
MAX_BODY_BYTES: Final = 256 * 1024 * 1024


class MalformedBundle(ValueError):
    """The POST body is not a well-formed bundle."""


@dataclass(frozen=True)
class Part:
    """One part of a multipart/form-data body."""

    field: str
    filename: str
    mime: str
    content: bytes


def parse_multipart(body: bytes, content_type: str) -> list[Part]:
    """Split a multipart/form-data body into its parts; `MalformedBundle` (a ValueError) when
    it is malformed."""
    outer = Message()
    outer["Content-Type"] = content_type
    boundary = outer.get_param("boundary")
    if outer.get_content_type() != "multipart/form-data" or not isinstance(boundary, str):
        raise MalformedBundle("expected multipart/form-data with a boundary")
    sections = (b"\r\n" + body).split(b"\r\n--" + boundary.encode())
    if len(sections) < 3 or not sections[-1].startswith(b"--"):
        raise MalformedBundle("multipart body has no parts or no closing boundary")
    parts = []
    for section in sections[1:-1]:
        head, separator, content = section.partition(b"\r\n\r\n")
        if not separator:
            raise MalformedBundle("multipart part without a blank line after its headers")
        headers = HeaderParser().parsestr(head.decode("utf-8").strip() + "\r\n")
        name = headers.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            raise MalformedBundle("multipart part without a name")
        filename = headers.get_filename() or ""
        parts.append(Part(name, filename, headers.get_content_type(), content))
    return parts


@dataclass
class _Inbox:
    secrets: tuple[str, ...]
    folder: Path
    bot_status_url: str | None
    ack_delay_s: float
    acks: set[asyncio.Task[None]] = field(default_factory=set)


INBOX: Final = web.AppKey("inbox", _Inbox)


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


def _read_bundle(body: bytes, content_type: str) -> tuple[dict[str, object], list[Part]]:
    """bundle.json's document, and the parts in order: bundle.json, application.pdf, files."""
    parts = parse_multipart(body, content_type)
    fields = [part.field for part in parts]
    if fields[:2] != ["bundle.json", "application.pdf"] or set(fields[2:]) - {"attachment"}:
        raise MalformedBundle("expected parts bundle.json, application.pdf, then attachments")
    document = json.loads(parts[0].content)
    if not isinstance(document, dict):
        raise MalformedBundle("bundle.json is not a JSON object")
    return document, parts


def bundle_version(document: dict[str, object], header: str | None) -> int:
    """bundle.json's `schema_version`, one this receiver reads (1 or 2) and the one the
    X-SME-Bundle-Version header announced, if any; `MalformedBundle` otherwise."""
    version = document.get("schema_version")
    if isinstance(version, bool) or version not in BUNDLE_VERSIONS:
        raise MalformedBundle(f"bundle.json: schema_version {version!r} unknown (1 or 2)")
    assert isinstance(version, int)
    if header is not None and header != str(version):
        raise MalformedBundle(f"{VERSION_HEADER} {header!r} is not bundle.json's {version}")
    return version


async def _receive(request: web.Request) -> web.Response:
    inbox = request.app[INBOX]
    body = await request.read()
    try:
        verify(body, request.headers.get(SIGNATURE_HEADER), inbox.secrets)
    except SignatureError as error:
        return _error(401, str(error))
    reference = request.headers.get(IDEMPOTENCY_HEADER, "")
    if not REFERENCE.fullmatch(reference):
        return _error(400, f"missing or invalid {IDEMPOTENCY_HEADER} header")
    try:
        document, (bundle_json, pdf, *files) = _read_bundle(
            body, request.headers.get("Content-Type", "")
        )
        version = bundle_version(document, request.headers.get(VERSION_HEADER))
    except ValueError as error:  # also UnicodeDecodeError and JSONDecodeError
        return _error(400, str(error))
    kind = str(document.get("kind") or request.headers.get(KIND_HEADER, "submission"))
    receipt = {
        "reference": reference,
        "kind": kind,
        "schema_version": version,
        "received_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "delivery_id": request.headers.get(DELIVERY_HEADER, ""),
    }
    contents = {
        "bundle.json": bundle_json.content,
        "application.pdf": pdf.content,
        RECEIPT: json.dumps(receipt, indent=2).encode(),
    }
    attachments = [(part.filename, part.content) for part in files]
    # Names are made safe again here: never trust a file name that came over the network.
    new = await asyncio.to_thread(
        write_bundle_folder, inbox.folder, reference, contents, attachments
    )
    if not new:
        log.info("bundle %s: duplicate, already stored", reference)
        return web.json_response({"ok": True, "duplicate": True})
    log.info(
        "bundle %s (%s, version %d): stored with %d attachments",
        reference,
        kind,
        version,
        len(attachments),
    )
    if inbox.bot_status_url and kind == "submission":
        task = asyncio.create_task(_acknowledge(inbox, reference))
        inbox.acks.add(task)
        task.add_done_callback(inbox.acks.discard)
    return web.json_response({"ok": True})


async def _acknowledge(inbox: _Inbox, reference: str) -> None:
    """The example's case system: accept every new submission shortly after storing it."""
    assert inbox.bot_status_url is not None
    await asyncio.sleep(inbox.ack_delay_s)  # let the bot record "delivered" first
    try:
        # The example's only report on a case: the first in sequence, its id made from the
        # case, so a second attempt is the same report (applied once by the bot).
        status = await post_status(
            inbox.bot_status_url,
            inbox.secrets[0],
            reference,
            "accepted",
            "Received.",
            report_id=f"{reference}.accepted",
            sequence=1,
        )
        log.info("bundle %s: status 'accepted' sent, bot answered %d", reference, status)
    except (aiohttp.ClientError, TimeoutError) as error:
        log.warning("bundle %s: status not sent (%s)", reference, type(error).__name__)


async def _list(request: web.Request) -> web.Response:
    folder = request.app[INBOX].folder
    bundles = []
    for receipt in sorted(folder.glob(f"[!.]*/{RECEIPT}")):
        data = json.loads(receipt.read_text(encoding="utf-8"))
        bundles.append({key: data.get(key) for key in ("reference", "kind", "received_at")})
    bundles.sort(key=lambda b: str(b["received_at"]))
    return web.json_response({"bundles": bundles})


async def _cancel_acks(app: web.Application) -> None:
    for task in list(app[INBOX].acks):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def create_receiver_app(
    secrets: Sequence[str],
    folder: Path,
    *,
    bot_status_url: str | None = None,
    ack_delay_s: float = 1.0,
) -> web.Application:
    """The receiver's routes; with `bot_status_url`, new submissions are answered 'accepted'."""
    if not secrets or not all(secrets):
        raise ValueError("the receiver needs at least one non-empty secret")
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[INBOX] = _Inbox(tuple(secrets), folder, bot_status_url, ack_delay_s)
    app.router.add_post("/bundles", _receive)
    app.router.add_get("/bundles", _list)
    app.on_cleanup.append(_cancel_acks)
    return app


async def post_status(
    bot_status_url: str,
    secret: str,
    reference: str,
    status: str,
    note: str,
    *,
    report_id: str,
    sequence: int,
) -> int:
    """POST `{"reference", "status", "note", "report_id", "sequence"}` to the bot, signed;
    returns the HTTP status. `report_id` names this report (send the same id when retrying it);
    `sequence` is above every earlier report's on this case."""
    report = {
        "reference": reference,
        "status": status,
        "note": note,
        "report_id": report_id,
        "sequence": sequence,
    }
    body = json.dumps(report, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, secret)}
    timeout = aiohttp.ClientTimeout(total=30)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.post(bot_status_url, data=body, headers=headers) as response,
    ):
        return response.status


async def run_receiver(
    host: str,
    port: int,
    secrets: Sequence[str],
    folder: Path,
    bot_status_url: str | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> None:
    """Serve the receiver until cancelled; over HTTPS with `ssl_context` (`tls.server_context`)."""
    app = create_receiver_app(secrets, folder, bot_status_url=bot_status_url)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port, ssl_context=ssl_context).start()
        scheme = "http" if ssl_context is None else "https"
        log.info("agency inbox (%s) on %s, storing into %s", scheme, runner.addresses, folder)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
