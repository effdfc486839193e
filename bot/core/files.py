"""A founder's file read before the turn, at the edge (the flows cannot download): its type
from its content's first bytes and its SHA-256, so the flow can refuse what is not really a
PDF, JPEG or PNG and recognise a file sent twice."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

from flows.engine.address import Address
from flows.engine.events import Event, EventKind, FileRef
from flows.engine.files import DEFAULT_FILE_BYTES
from flows.engine.sniff import HEAD_BYTES, sniff

log = logging.getLogger(__name__)
Fetch = Callable[[Address, str], Awaitable[bytes]]  # (owner, file id) -> the file's bytes
FETCH_TIMEOUT_S = 60.0


async def read_file(
    owner: Address, file: FileRef, fetch: Fetch, *, timeout: float = FETCH_TIMEOUT_S
) -> FileRef:
    """The file with its content's type, size and digest; as it came (unread, so the flow asks
    for it again) when the fetch fails, and unfetched when it is over the size any file
    question accepts."""
    if file.size > DEFAULT_FILE_BYTES:
        return file
    try:
        async with asyncio.timeout(timeout):
            data = await fetch(owner, file.file_id)
    except Exception as exc:  # noqa: BLE001 - any channel's failure (gone, network, timeout)
        log.warning("founder %s: could not read a file: %s", owner, type(exc).__name__)
        return file
    digest = await asyncio.to_thread(lambda: hashlib.sha256(data).hexdigest())
    return replace(file, sniffed=sniff(data[:HEAD_BYTES]), size=len(data), sha256=digest)


async def with_content(owner: Address, event: Event, fetch: Fetch | None) -> Event:
    """A file event with its file read (`read_file`); any other event as it is."""
    if event.kind is not EventKind.FILE or event.file is None or fetch is None:
        return event
    return replace(event, file=await read_file(owner, event.file, fetch))
