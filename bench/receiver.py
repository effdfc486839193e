"""The agency's side of the hand-off scenario, as its own process: the reference receiver
(`bot.handoff.receiver`) over TLS on loopback, noting when each bundle was stored.

`python -m bench.receiver CERT KEY FOLDER SECRET PORT_FILE`; GET /bench/arrivals answers
{reference: unix time the receiver answered 200}.
"""

from __future__ import annotations

import asyncio
import signal
import ssl
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from bot.handoff.receiver import create_receiver_app
from bot.handoff.signing import IDEMPOTENCY_HEADER

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def main(cert: str, key: str, folder: Path, secret: str, port_file: Path) -> None:
    arrivals: dict[str, float] = {}

    @web.middleware
    async def note_arrival(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        if request.method == "POST" and response.status == 200:
            arrivals.setdefault(request.headers.get(IDEMPOTENCY_HEADER, ""), time.time())
        return response

    async def list_arrivals(request: web.Request) -> web.Response:
        return web.json_response(arrivals)

    app = create_receiver_app([secret], folder)
    app.middlewares.append(note_arrival)
    app.router.add_get("/bench/arrivals", list_arrivals)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context, backlog=1024)
    await site.start()
    port = runner.addresses[0][1]
    port_file.write_text(str(port))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    cert, key, folder, secret, port_file = sys.argv[1:6]
    asyncio.run(main(cert, key, Path(folder), secret, Path(port_file)))
