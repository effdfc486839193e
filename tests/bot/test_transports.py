"""Transports over real HTTP on loopback and a real folder, and the reference receiver end to end."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from handoff_bundles import deliver_once, make_bundle

from bot.handoff.receiver import create_receiver_app, parse_multipart, post_status, run_receiver
from bot.handoff.signing import SIGNATURE_HEADER, sign, verify
from bot.handoff.transports import (
    DirectoryTransport,
    HttpsTransport,
    multipart_body,
    write_bundle_folder,
)
from bot.handoff.types import Attachment, DeliveryFailed, safe_file_names

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def serve(app_or_handler: web.Application | Handler) -> AsyncIterator[str]:
    """Serve on 127.0.0.1 with an OS-chosen port; yields the URL of /bundles."""
    app = app_or_handler
    if not isinstance(app, web.Application):
        app = web.Application()
        app.router.add_post("/bundles", app_or_handler)
    async with TestServer(app, host="127.0.0.1", port=0) as server:
        yield str(server.make_url("/bundles"))


async def test_5xx_is_retryable_until_the_receiver_recovers():
    attempts: list[tuple[dict[str, str], bytes]] = []

    async def flaky(request: web.Request) -> web.Response:
        attempts.append((dict(request.headers), await request.read()))
        return web.Response(status=500 if len(attempts) <= 2 else 200)

    bundle = make_bundle()
    async with serve(flaky) as url:
        transport = HttpsTransport(url, ["first", "second"], timeout_s=5)
        for _ in range(2):
            with pytest.raises(DeliveryFailed) as raised:
                await transport.deliver(bundle)
            assert raised.value.retryable and "HTTP 500" in raised.value.reason
        await transport.deliver(bundle)
        await transport.close()
    assert len(attempts) == 3
    headers, body = attempts[-1]
    verify(body, headers[SIGNATURE_HEADER], ["first"])  # the first secret signs
    assert headers["Idempotency-Key"] == bundle.reference
    assert headers["X-SME-Delivery"] == "1764300000000-0"
    assert headers["X-SME-Bundle-Version"] == "2" and headers["X-SME-Kind"] == "submission"
    parts = parse_multipart(body, headers["Content-Type"])
    assert [(p.field, p.filename, p.mime) for p in parts] == [
        ("bundle.json", "bundle.json", "application/json"),
        ("application.pdf", "application.pdf", "application/pdf"),
        ("attachment", "营业执照.pdf", "application/pdf"),
        ("attachment", "_.._etc_passwd", "text/plain"),
        ("attachment", "photo.jpg", "image/jpeg"),
        ("attachment", "photo (2).jpg", "image/jpeg"),
    ]
    assert parts[1].content == bundle.pdf and parts[4].content == bundle.attachments[2].content


async def test_a_hanging_receiver_times_out_as_retryable():
    release = asyncio.Event()

    async def hang(request: web.Request) -> web.Response:
        await asyncio.wait_for(release.wait(), 10)
        return web.Response()

    async with serve(hang) as url:
        started = time.monotonic()
        with pytest.raises(DeliveryFailed) as raised:
            await deliver_once(HttpsTransport(url, ["s"], timeout_s=0.5), make_bundle())
        elapsed = time.monotonic() - started
        release.set()
    assert raised.value.retryable and "timeout" in raised.value.reason
    assert 0.4 < elapsed < 3


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(400, False), (401, False), (404, False), (413, False), (408, True), (409, True),
     (425, True), (429, True), (500, True), (503, True), (302, False)],
)  # fmt: skip
async def test_status_codes_decide_whether_to_retry(status, retryable):
    async def answer(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=status, headers={"Location": "/elsewhere"})

    async with serve(answer) as url:
        with pytest.raises(DeliveryFailed) as raised:
            await deliver_once(HttpsTransport(url, ["s"], timeout_s=5), make_bundle())
    assert raised.value.retryable is retryable
    assert f"HTTP {status}" in raised.value.reason and "/bundles" not in raised.value.reason


async def test_a_refused_connection_is_retryable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DeliveryFailed) as raised:
        await deliver_once(
            HttpsTransport(f"http://127.0.0.1:{port}/bundles", ["s"], 2), make_bundle()
        )
    assert raised.value.retryable


async def test_reference_receiver_end_to_end(tmp_path):
    inbox = tmp_path / "inbox"
    bundle = make_bundle()
    app = create_receiver_app(["new-secret", "old-secret"], inbox)
    async with serve(app) as url:
        # The bot still signs with the old secret while the agency already has both.
        await deliver_once(HttpsTransport(url, ["old-secret"], timeout_s=5), bundle)
        folder = inbox / bundle.reference
        assert (folder / "bundle.json").read_bytes() == bundle.bundle_json
        assert (folder / "application.pdf").read_bytes() == bundle.pdf
        stored = {p.name: p.read_bytes() for p in (folder / "attachments").iterdir()}
        assert stored == {
            "营业执照.pdf": bundle.attachments[0].content,
            "_.._etc_passwd": b"not a path",
            "photo.jpg": bundle.attachments[2].content,
            "photo (2).jpg": b"second photo",
        }
        receipt = json.loads((folder / "receipt.json").read_text())
        assert receipt["kind"] == "submission" and receipt["delivery_id"] == bundle.delivery_id
        assert receipt["schema_version"] == 2

        # A redelivery is acknowledged as a duplicate and changes nothing.
        body, content_type = await multipart_body(make_bundle(pdf=b"%PDF other"))
        headers = {
            "Content-Type": content_type,
            SIGNATURE_HEADER: sign(body, "new-secret"),
            "Idempotency-Key": bundle.reference,
        }
        async with aiohttp.ClientSession() as session:
            async with session.post(url, data=body, headers=headers) as response:
                assert response.status == 200
                assert await response.json() == {"ok": True, "duplicate": True}
            await deliver_once(HttpsTransport(url, ["new-secret"], timeout_s=5), bundle)
            assert (folder / "application.pdf").read_bytes() == bundle.pdf
            assert [p.name for p in inbox.iterdir()] == [bundle.reference]

            async with session.get(url) as response:
                listing = await response.json()
            assert listing == {
                "bundles": [
                    {
                        "reference": bundle.reference,
                        "kind": "submission",
                        "received_at": receipt["received_at"],
                    }
                ]
            }

            # Wrong signature: 401, nothing stored; no Idempotency-Key: 400.
            other = make_bundle("SUB-20261128-AAAAAA")
            with pytest.raises(DeliveryFailed) as raised:
                await deliver_once(HttpsTransport(url, ["stolen"], timeout_s=5), other)
            assert "HTTP 401" in raised.value.reason and not raised.value.retryable
            del headers["Idempotency-Key"]
            headers[SIGNATURE_HEADER] = sign(body, "new-secret")
            async with session.post(url, data=body, headers=headers) as response:
                assert response.status == 400
            bad = {SIGNATURE_HEADER: sign(b"x", "new-secret"), "Idempotency-Key": "SUB-1"}
            async with session.post(url, data=b"x", headers=bad) as response:
                assert response.status == 400
    assert [p.name for p in inbox.iterdir()] == [bundle.reference]


async def test_receiver_acknowledges_new_submissions_to_the_bot(tmp_path):
    received: asyncio.Queue[dict[str, str]] = asyncio.Queue()

    async def bot_status(request: web.Request) -> web.Response:
        body = await request.read()
        verify(body, request.headers[SIGNATURE_HEADER], ["agency-secret"])
        await received.put(json.loads(body))
        return web.json_response({"ok": True}, status=202)

    status_app = web.Application()
    status_app.router.add_post("/agency/status", bot_status)
    async with serve(status_app) as status_url:
        status_url = status_url.replace("/bundles", "/agency/status")
        sent = await post_status(
            status_url, "agency-secret", "SUB-1", "more_info", "需要", report_id="r-9", sequence=9
        )
        assert sent == 202
        assert await received.get() == {
            "reference": "SUB-1",
            "status": "more_info",
            "note": "需要",
            "report_id": "r-9",
            "sequence": 9,
        }

        app = create_receiver_app(
            ["agency-secret"], tmp_path, bot_status_url=status_url, ack_delay_s=0
        )
        async with serve(app) as url:
            await deliver_once(HttpsTransport(url, ["agency-secret"], timeout_s=5), make_bundle())
            ack = await asyncio.wait_for(received.get(), 5)
    assert ack["reference"] == "SUB-20261128-7Q4K9M" and ack["status"] == "accepted"
    assert (ack["report_id"], ack["sequence"]) == ("SUB-20261128-7Q4K9M.accepted", 1)


async def test_directory_transport_writes_the_bundle_and_ignores_redelivery(tmp_path):
    root = tmp_path / "agency-inbox" / "district_hrss"
    bundle = make_bundle()
    await DirectoryTransport(root).deliver(bundle)
    await DirectoryTransport(root).deliver(make_bundle(pdf=b"%PDF changed", attachments=()))
    assert os.listdir(root) == [bundle.reference]
    folder = root / bundle.reference
    assert sorted(os.listdir(folder)) == ["application.pdf", "attachments", "bundle.json"]
    assert (folder / "application.pdf").read_bytes() == bundle.pdf
    assert sorted(os.listdir(folder / "attachments")) == sorted(
        ["_.._etc_passwd", "photo (2).jpg", "photo.jpg", "营业执照.pdf"]
    )


async def test_no_partial_folder_is_ever_visible(tmp_path):
    big = tuple(Attachment(f"scan-{n}.png", "image/png", bytes([n]) * 400_000) for n in range(25))
    bundle = make_bundle(attachments=big)
    seen: list[int] = []
    done = threading.Event()

    def watch() -> None:
        final = tmp_path / bundle.reference / "attachments"
        while not done.is_set():
            if (tmp_path / bundle.reference).exists():
                seen.append(len(os.listdir(final)))
            time.sleep(0.0005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        await asyncio.gather(*(DirectoryTransport(tmp_path).deliver(bundle) for _ in range(3)))
    finally:
        done.set()
        watcher.join(5)
    assert seen and set(seen) == {25}
    assert os.listdir(tmp_path) == [bundle.reference]


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    files = {"bundle.json": b"{}", "missing-dir/application.pdf": b"%PDF"}
    with pytest.raises(FileNotFoundError):
        write_bundle_folder(tmp_path, "SUB-1", files, [("a.pdf", b"x")])
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("reference", ["../up", "a/b", ".hidden", "", "x" * 200])
async def test_unsafe_references_are_refused_for_good(tmp_path, reference):
    with pytest.raises(DeliveryFailed) as raised:
        await DirectoryTransport(tmp_path).deliver(make_bundle(reference))
    assert not raised.value.retryable and os.listdir(tmp_path) == []


async def test_an_unwritable_root_is_retryable(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(DeliveryFailed) as raised:
        await DirectoryTransport(tmp_path / "file" / "inbox").deliver(make_bundle())
    assert raised.value.retryable


def test_attachments_are_written_under_the_names_bundle_json_lists(tmp_path):
    names = ["a.pdf", "A.PDF", "bundle.json", "../x.png", "营业执照 (2).pdf"]
    bundle = make_bundle(attachments=[Attachment(n, "application/pdf", b"%PDF") for n in names])
    write_bundle_folder(
        tmp_path, bundle.reference, {}, [(a.name, a.content) for a in bundle.attachments]
    )
    written = sorted(os.listdir(tmp_path / bundle.reference / "attachments"))
    assert written == sorted(safe_file_names(names))
    assert written == sorted(
        ["a.pdf", "A (2).PDF", "bundle (2).json", "_x.png", "营业执照 (2).pdf"]
    )


def multipart(*parts: tuple[str, bytes]) -> tuple[bytes, str]:
    chunks = [
        f'--B\r\nContent-Disposition: form-data; name="{name}"; filename="{name}"\r\n\r\n'.encode()
        + content
        + b"\r\n"
        for name, content in parts
    ]
    return b"".join(chunks) + b"--B--\r\n", "multipart/form-data; boundary=B"


MALFORMED = {
    "not multipart": (b"{}", "application/json"),
    "no closing boundary": (b"--B\r\n\r\nx\r\n", "multipart/form-data; boundary=B"),
    "pdf first": multipart(("application.pdf", b"%PDF"), ("bundle.json", b"{}")),
    "no pdf": multipart(("bundle.json", b"{}")),
    "unknown part": multipart(("bundle.json", b"{}"), ("application.pdf", b"%"), ("x", b"")),
    "bundle.json not json": multipart(("bundle.json", b"{"), ("application.pdf", b"%PDF")),
    "bundle.json a list": multipart(("bundle.json", b"[]"), ("application.pdf", b"%PDF")),
    "no schema_version": multipart(
        ("bundle.json", b'{"kind": "submission"}'), ("application.pdf", b"%")
    ),
    "version 3": multipart(("bundle.json", b'{"schema_version": 3}'), ("application.pdf", b"%")),
    "version true": multipart(
        ("bundle.json", b'{"schema_version": true}'), ("application.pdf", b"%")
    ),
}


@pytest.mark.parametrize(("body", "content_type"), list(MALFORMED.values()), ids=list(MALFORMED))
async def test_receiver_refuses_malformed_bundles(tmp_path, body, content_type):
    headers = {
        "Content-Type": content_type,
        SIGNATURE_HEADER: sign(body, "s"),
        "Idempotency-Key": "SUB-1",
    }
    async with serve(create_receiver_app(["s"], tmp_path)) as url, aiohttp.ClientSession() as s:
        async with s.post(url, data=body, headers=headers) as response:
            assert response.status == 400
            assert (await response.json())["ok"] is False
        stale = sign(body, "s", int(time.time()) - 301)
        async with s.post(url, data=body, headers={**headers, SIGNATURE_HEADER: stale}) as response:
            assert response.status == 401 and "stale" in (await response.json())["error"]
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("version", [1, 2])
async def test_receiver_takes_both_versions_as_their_header_says(tmp_path, version):
    document = {"schema_version": version, "reference": "SUB-20261128-7Q4K9M", "kind": "submission"}
    bundle = make_bundle(bundle_json=json.dumps(document).encode(), version=version)
    async with serve(create_receiver_app(["s"], tmp_path)) as url:
        await deliver_once(HttpsTransport(url, ["s"], timeout_s=5), bundle)
        receipt = json.loads((tmp_path / bundle.reference / "receipt.json").read_text())
        assert receipt["schema_version"] == version
        other = make_bundle(
            "SUB-20261128-AAAAAA", bundle_json=bundle.bundle_json, version=3 - version
        )
        with pytest.raises(DeliveryFailed) as refused:  # the header contradicts bundle.json
            await deliver_once(HttpsTransport(url, ["s"], timeout_s=5), other)
        assert "HTTP 400" in refused.value.reason and not refused.value.retryable
    assert os.listdir(tmp_path) == [bundle.reference]


async def test_run_receiver_serves_until_cancelled(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = asyncio.create_task(run_receiver("127.0.0.1", port, ["s"], tmp_path))
    url = f"http://127.0.0.1:{port}/bundles"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(100):
                try:
                    async with session.get(url) as response:
                        assert await response.json() == {"bundles": []}
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            else:
                pytest.fail("the receiver did not start")
            await deliver_once(HttpsTransport(url, ["s"], timeout_s=5), make_bundle())
    finally:
        server.cancel()
        with pytest.raises(asyncio.CancelledError):
            await server
    assert os.listdir(tmp_path) == ["SUB-20261128-7Q4K9M"]


async def test_one_transport_keeps_its_connection_between_deliveries():
    peers: list[object] = []

    async def receive(request: web.Request) -> web.Response:
        await request.read()
        assert request.transport is not None
        peers.append(request.transport.get_extra_info("peername"))
        return web.Response(status=200)

    async with serve(receive) as url:
        transport = HttpsTransport(url, ["s"], timeout_s=5)
        for reference in ("SUB-20261128-AAAAAA", "SUB-20261128-BBBBBB", "SUB-20261128-CCCCCC"):
            await transport.deliver(make_bundle(reference))
        await transport.close()
    assert len(peers) == 3 and len(set(peers)) == 1  # no new connection (or TLS handshake) each
