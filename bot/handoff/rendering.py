"""Where a bundle's PDFs are rendered: in a pool of processes, so a render (milliseconds of
pure-Python reportlab, or a slow one) never holds the worker's event loop, its other deliveries
or, in the bot process, its founders; or inline, on the event loop (RENDER_PROCESSES=0, tests).

The render processes are *spawned*, not forked: a fork of a process running an asyncio loop
copies its Redis and HTTPS sockets, the locks its threads hold and the loop itself into the
child; a spawned child is a fresh interpreter that imports what a render needs and shares
nothing. They start with a dedicated worker (`start`), or at the first render, and live as long
as the worker does, so the spawn is paid once, not per bundle. Each takes jobs over one pipe
and answers over another, read by the event loop without blocking (no executor threads:
`concurrent.futures.ProcessPoolExecutor` spent about 0.5 ms of the worker's CPU per render in
its manager and feeder threads, this about a tenth of it), on whichever event loop runs the
worker (asyncio's, uvloop's). A render process
that dies (killed, out of memory) fails its bundle as retryable, so the outbox retries it, and
is replaced by a new one.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import signal
import struct
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol, TypeVar

from bot.handoff.fonts import load_font
from bot.handoff.types import DeliveryFailed

log = logging.getLogger(__name__)
T = TypeVar("T")
READY = b"ready"
RESPAWN_DELAY_S = 5.0
RENDER_TIMEOUT_S = 20.0  # milliseconds in practice; within the 30 s margin of the agencies takeover


class Render(Protocol):
    """Runs `job(*args, **kwargs)`, a module-level function of picklable arguments, and returns
    its result."""

    async def __call__(self, job: Callable[..., T], /, *args: Any, **kwargs: Any) -> T: ...


async def inline(job: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """On the caller's event loop, as a function call (tests, RENDER_PROCESSES=0)."""
    return job(*args, **kwargs)


def _serve(requests: Connection, answers: Connection, font_file: Path | None) -> None:
    """A render process: the font registered, then one job at a time until its requests' pipe
    closes. A job's exception goes back as its class name only (its text may quote the bundle).
    Ctrl-C in a terminal reaches the whole process group: the worker stops, closing the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    load_font(font_file)
    import bot.handoff.bundle  # noqa: F401 - the bundle's jobs, before the first one

    answers.send_bytes(READY)
    while True:
        try:
            job, args, kwargs = pickle.loads(requests.recv_bytes())
        except EOFError:
            return
        try:
            answer = (True, job(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - reported to the worker, which retries
            answer = (False, type(exc).__name__)
        answers.send_bytes(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))


class _Answers:
    """The render process's answers cut into the frames `Connection.send_bytes` writes, from
    whatever the event loop read of the pipe so far (a large answer takes several reads)."""

    def __init__(self, renderer: _Renderer) -> None:
        self.renderer = renderer
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        while len(buffer) >= 4:
            (size,) = struct.unpack_from("!i", buffer)
            start = 4
            if size == -1:
                if len(buffer) < 12:
                    return
                (size,) = struct.unpack_from("!Q", buffer, 4)
                start = 12
            if len(buffer) < start + size:
                return
            frame = bytes(buffer[start : start + size])
            del buffer[: start + size]
            self.renderer.answered(frame)


class _Renderer:
    """One render process and the two pipes to it; `run` is called only while it is idle."""

    def __init__(self, font_file: Path | None) -> None:
        context = multiprocessing.get_context("spawn")
        requests_in, requests_out = os.pipe()
        answers_in, answers_out = os.pipe()
        child_requests = Connection(requests_in, writable=False)
        child_answers = Connection(answers_out, readable=False)
        self.process = context.Process(
            target=_serve,
            args=(child_requests, child_answers, font_file),
            name="render",
            daemon=True,
        )
        self.process.start()
        child_requests.close()
        child_answers.close()
        self.loop = asyncio.get_running_loop()
        self.answer: asyncio.Future[bytes] = self.loop.create_future()  # READY first
        self.alive = True
        # Jobs are written whole to a pipe the child reads one at a time (a few KB each, while
        # it waits for them: the write does not block); answers are read as the loop finds
        # them, without blocking, whichever loop it is (uvloop's makes a watched fd
        # non-blocking, which a blocking recv in the callback would not survive).
        self._requests = Connection(requests_out, readable=False)  # closed when collected
        self._answers_end = Connection(answers_in, writable=False)
        self._answers = _Answers(self)
        os.set_blocking(answers_in, False)
        self.loop.add_reader(answers_in, self._readable)

    def _readable(self) -> None:
        try:
            data = os.read(self._answers_end.fileno(), 1 << 20)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # its end closed: it died (or was stopped)
            self.stop()
            return
        self._answers.data_received(data)

    def answered(self, data: bytes) -> None:
        if not self.answer.done():
            self.answer.set_result(data)

    async def ready(self) -> bool:
        return await self.answer == READY

    async def run(self, job: Callable[..., T], args: Any, kwargs: Any, timeout_s: float) -> T:
        request = pickle.dumps((job, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        self.answer = self.loop.create_future()
        try:
            if not self.alive:
                raise BrokenPipeError
            self._requests.send_bytes(request)
        except OSError:  # it died since its last answer
            self.stop()
            self.answered(b"")
        try:  # shielded: a cancelled caller leaves it to finish
            async with asyncio.timeout(timeout_s):
                data = await asyncio.shield(self.answer)
        except TimeoutError:
            self.process.kill()  # its pipe ends: it is replaced like any that died
            raise DeliveryFailed(f"rendering took longer than {timeout_s:g} s") from None
        if not data:
            raise DeliveryFailed("a render process died; the bundle will be built again")
        ok, value = pickle.loads(data)
        if not ok:
            raise DeliveryFailed(f"rendering failed with {value}")
        result: T = value
        return result

    def stop(self) -> None:
        if self.alive:
            self.alive = False
            self.loop.remove_reader(self._answers_end.fileno())
            self._answers_end.close()
            self._requests.close()
            self.answered(b"")  # a run waiting on it learns it is gone


class RenderPool:
    """`processes` render processes (os.cpu_count() when None), each with `font_file`
    registered, one job at a time each; a dead one is replaced, and so is one whose job takes
    longer than `timeout_s` (the job fails as retryable): a render stuck for ever would hold
    its worker's batch and, past the agency's takeover time, have another worker send it too."""

    def __init__(
        self,
        processes: int | None = None,
        font_file: Path | None = None,
        timeout_s: float = RENDER_TIMEOUT_S,
    ) -> None:
        self.processes = processes or os.cpu_count() or 1
        self.font_file = font_file
        self.timeout_s = timeout_s
        self._idle: asyncio.Queue[_Renderer] | None = None
        self._all: list[_Renderer] = []
        self._starting: set[asyncio.Future[None]] = set()

    async def start(self) -> None:
        """Spawn every render process and wait until each has its font (not the first bundles)."""
        if self._idle is not None:
            return
        self._idle = asyncio.Queue()
        for _ in range(self.processes):
            self._add()
        await asyncio.gather(*(self._ready(r) for r in list(self._all)))

    def _add(self) -> _Renderer:
        renderer = _Renderer(self.font_file)
        self._all.append(renderer)
        return renderer

    async def _ready(self, renderer: _Renderer) -> None:
        assert self._idle is not None
        if await renderer.ready():
            self._idle.put_nowait(renderer)
        else:  # it died starting: a while before the next try, not a loop of spawns
            log.error("a render process died while starting; another in %s s", RESPAWN_DELAY_S)
            self._replace(renderer, delay=RESPAWN_DELAY_S)

    def _replace(self, renderer: _Renderer, delay: float = 0) -> None:
        if renderer in self._all:
            self._all.remove(renderer)
        renderer.stop()
        renderer.process.join(0)  # reaped, if it is gone already
        asyncio.get_running_loop().call_later(delay, self._respawn)

    def _respawn(self) -> None:
        if self._idle is not None:  # not closed meanwhile
            task = asyncio.ensure_future(self._ready(self._add()))
            self._starting.add(task)  # held until it is done (the loop keeps weak references)
            task.add_done_callback(self._starting.discard)

    def _settle(self, renderer: _Renderer) -> None:
        """Back to the idle ones once its answer is in (a caller cancelled meanwhile leaves
        it busy until then); replaced if it died."""
        if not renderer.answer.done():
            renderer.answer.add_done_callback(lambda _: self._settle(renderer))
        elif self._idle is None or renderer not in self._all:
            renderer.stop()  # the pool was closed meanwhile
        elif renderer.alive:
            self._idle.put_nowait(renderer)
        else:
            log.error("a render process died; starting another")
            self._replace(renderer)

    async def __call__(self, job: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        await self.start()
        assert self._idle is not None
        renderer = await self._idle.get()
        try:
            return await renderer.run(job, args, kwargs, self.timeout_s)
        finally:
            self._settle(renderer)

    async def close(self) -> None:
        """Stop the render processes (when the worker stops): each ends at its pipe's end."""
        renderers, self._all, self._idle = self._all, [], None
        for renderer in renderers:
            renderer.stop()
        for renderer in renderers:
            await asyncio.to_thread(renderer.process.join, 5)
            if renderer.process.is_alive():
                renderer.process.kill()
