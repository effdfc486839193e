"""The two ways a bundle reaches an agency: a signed HTTPS POST, or a folder on a shared disk.

Both lay a bundle out the same way: `bundle.json`, `application.pdf` and `attachments/<name>`,
with attachment names made safe for any file system by `safe_file_names`.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets as random
import shutil
import ssl
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

import aiohttp

from bot.handoff.signing import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, sign
from bot.handoff.tls import is_loopback
from bot.handoff.types import Bundle, DeliveryFailed, safe_file_names

DELIVERY_HEADER: Final = "X-SME-Delivery"
KIND_HEADER: Final = "X-SME-Kind"
VERSION_HEADER: Final = "X-SME-Bundle-Version"
RETRYABLE_4XX: Final = frozenset({408, 409, 425, 429})
REFERENCE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def check_reference(reference: str) -> str:
    """`reference` when it is safe as a folder name; ValueError otherwise."""
    if not REFERENCE.fullmatch(reference):
        raise ValueError(f"not a valid bundle reference: {reference!r}")
    return reference


def _write_synced(path: Path, content: bytes) -> None:
    with path.open("xb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_bundle_folder(
    root: Path,
    reference: str,
    files: Mapping[str, bytes],
    attachments: Sequence[tuple[str, bytes]],
) -> bool:
    """Create `root/<reference>/` holding `files` and `attachments/<name>`, all or nothing.

    Everything is written and fsynced under `root/.tmp-<reference>-<random>/`, then renamed into
    place. Returns False, writing nothing, when the folder already exists (a redelivery).
    """
    final = root / check_reference(reference)
    if final.exists():
        return False
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".tmp-{reference}-{random.token_hex(6)}"
    try:
        tmp.mkdir()
        for name, content in files.items():
            _write_synced(tmp / name, content)
        (tmp / "attachments").mkdir()
        names = safe_file_names(name for name, _ in attachments)
        for name, (_, content) in zip(names, attachments, strict=True):
            _write_synced(tmp / "attachments" / name, content)
        _sync_dir(tmp / "attachments")
        _sync_dir(tmp)
        try:
            os.rename(tmp, final)
        except OSError:
            if final.exists():  # a concurrent delivery of the same reference won the race
                return False
            raise
        _sync_dir(root)
        return True
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class DirectoryTransport:
    """Delivers into `<root>/<reference>/`; readers skip names that start with a dot."""

    def __init__(self, root: Path) -> None:
        self.root = root

    async def close(self) -> None:
        """Nothing is kept open between deliveries."""

    async def deliver(self, bundle: Bundle) -> None:
        """Write the bundle's folder atomically; a folder already there means done."""
        files = {"bundle.json": bundle.bundle_json, "application.pdf": bundle.pdf}
        attachments = [(a.name, a.content) for a in bundle.attachments]
        try:
            await asyncio.to_thread(
                write_bundle_folder, self.root, bundle.reference, files, attachments
            )
        except ValueError as error:
            raise DeliveryFailed(str(error), retryable=False) from error
        except OSError as error:
            raise DeliveryFailed(f"cannot write to the agency folder: {error}") from error


async def multipart_body(bundle: Bundle) -> tuple[bytes, str]:
    """The multipart/form-data body of a bundle and its Content-Type (with the boundary)."""
    writer = aiohttp.MultipartWriter("form-data")
    parts = [
        ("bundle.json", "bundle.json", "application/json", bundle.bundle_json),
        ("application.pdf", "application.pdf", "application/pdf", bundle.pdf),
    ]
    names = safe_file_names(a.name for a in bundle.attachments)
    parts += [
        ("attachment", n, a.mime, a.content) for n, a in zip(names, bundle.attachments, strict=True)
    ]
    for field, filename, mime, content in parts:
        # Names are already safe (no quotes, no control characters): sent as UTF-8, as
        # browsers do (RFC 7578 section 4.2).
        disposition = f'form-data; name="{field}"; filename="{filename}"'
        writer.append(content, {"Content-Type": mime, "Content-Disposition": disposition})
    return await writer.as_bytes(), writer.headers["Content-Type"]


class HttpsTransport:
    """POSTs each bundle as one signed multipart request; a 2xx answer is the acknowledgement.

    `https://` always verifies the server (against `ssl_context`'s CAs, else the system store);
    plain `http://` is refused unless the host is a loopback address.
    """

    def __init__(
        self,
        url: str,
        secrets: Sequence[str],
        timeout_s: float = 30.0,
        session_factory: Callable[[], aiohttp.ClientSession] | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if not secrets:
            raise ValueError("HttpsTransport needs a signing secret")
        parts = urlsplit(url)
        plain_loopback = parts.scheme == "http" and is_loopback(parts.hostname or "")
        if parts.scheme != "https" and not plain_loopback:
            raise ValueError(f"{parts.netloc}: https:// required except for a loopback host")
        self.url = url
        self._secret = secrets[0]
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._ssl: ssl.SSLContext | bool = True if ssl_context is None else ssl_context
        self._session_factory = session_factory or self._verifying_session
        self._session: aiohttp.ClientSession | None = None
        self._host = parts.netloc  # reasons name the host, never the full URL

    def _verifying_session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=self._ssl))

    def _client(self) -> aiohttp.ClientSession:
        """One session per transport: its connections (and TLS sessions) are kept between
        deliveries instead of a new handshake for each bundle."""
        if self._session is None or self._session.closed:
            self._session = self._session_factory()
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def deliver(self, bundle: Bundle) -> None:
        """One POST; raises `DeliveryFailed` (retryable for 5xx, 408/409/425/429, timeouts)."""
        body, content_type = await multipart_body(bundle)
        headers = {
            "Content-Type": content_type,
            SIGNATURE_HEADER: sign(body, self._secret),
            IDEMPOTENCY_HEADER: bundle.reference,
            KIND_HEADER: bundle.kind,
            VERSION_HEADER: str(bundle.version),
        }
        if bundle.delivery_id:
            headers[DELIVERY_HEADER] = bundle.delivery_id
        try:
            async with self._client().post(
                self.url,
                data=body,
                headers=headers,
                timeout=self._timeout,
                allow_redirects=False,
            ) as response:
                await response.read()
                status = response.status
        except TimeoutError as error:
            raise DeliveryFailed(f"{self._host}: no answer within the timeout") from error
        except aiohttp.ClientError as error:
            reason = f"{self._host}: {type(error).__name__}"
            raise DeliveryFailed(reason) from error
        if 200 <= status < 300:
            return
        retryable = status >= 500 or status in RETRYABLE_4XX
        raise DeliveryFailed(f"{self._host}: HTTP {status}", retryable=retryable)
