"""Production's shape on one machine, every part a real OS process: bot processes in webhook
mode (`python -m bot telegram`, no embedded worker) behind HAProxy doing round robin, delivery
workers (`python -m bot worker`), the reference agency inbox (`python -m bot agency-inbox`) and a
Redis Cluster given by URL. The stand-in Bot API runs in the caller's process; the scale-out
test and `bench/scale.py` share this."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from haproxy_balancer import haproxy_config, haproxy_path
from redis_cluster import free_port

from flows.policy.loader import load_policy_data

ROOT = Path(__file__).resolve().parents[1]
SECRET = "scale-webhook-s3cret"
AGENCY_SECRET = "scale-agency-s3cret"
DATA_KEY = "HQbPdf9POT-IDCryL90CivMZaZYL7EVMnS3eWjKskH4="  # a Fernet key, the same everywhere
HOOK = "/telegram/webhook"
# the agency inbox's log: a bundle stored (the first time) or recognised as a duplicate
RECEIVED = re.compile(rb"bundle (SUB-[0-9A-Z-]+)(: duplicate| \()")


@dataclass
class Child:
    """One child process, its output in `log`."""

    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                *self.args, cwd=ROOT, env=self.env, stdout=out, stderr=out
            )

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup, as a crash or an OOM kill."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()

    async def stop(self, timeout: float = 10.0) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            await self.kill()

    def tail(self, size: int = 3000) -> str:
        """The last `size` characters of its output (0: all of it)."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return text[-size:] if size else text


@dataclass
class ScaleOut:
    """`bots` bot processes behind HAProxy, `workers` workers and the agency inbox under
    `folder`, on the Redis at `redis_url` (keys under `prefix`), talking to the Bot API at
    `api_url`. `webhook_url` is the balancer's."""

    folder: Path
    redis_url: str
    prefix: str
    api_url: str
    bots: int = 3
    workers: int = 2
    log_level: str = "WARNING"  # the bot processes' LOG_LEVEL (INFO logs every update)
    children: dict[str, Child] = field(default_factory=dict)
    lb_port: int = 0

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.lb_port}{HOOK}"

    def _env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": "123456:TEST",
            "TELEGRAM_API_URL": self.api_url,
            "REDIS_URL": self.redis_url,
            "REDIS_PREFIX": self.prefix,
            "AGENCIES_FILE": str(self.folder / "agencies.toml"),
            "DATA_KEYS": DATA_KEY,
            "LOG_LEVEL": "WARNING",
            "PYTHONFAULTHANDLER": "1",
            **extra,
        }

    async def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        haproxy = haproxy_path()
        if haproxy is None:
            raise RuntimeError("haproxy is not installed (Debian: haproxy)")
        agency_port, self.lb_port = free_port(), free_port()
        self._agencies(f"http://127.0.0.1:{agency_port}/bundles")
        py = [sys.executable, "-m", "bot"]
        inbox = [*py, "agency-inbox", "--port", str(agency_port), "--secret", AGENCY_SECRET]
        inbox += ["--folder", str(self.folder / "received")]
        self._add("agency", inbox, self._env(LOG_LEVEL="INFO"))
        ports = [free_port() for _ in range(self.bots)]
        for i, port in enumerate(ports):
            self._add(f"bot{i}", [*py, "telegram"], self._bot_env(port))
        for i in range(self.workers):
            self._add(f"worker{i}", [*py, "worker"], self._env(LOG_LEVEL="INFO"))
        config = self.folder / "haproxy.cfg"
        config.write_text(haproxy_config(self.lb_port, ports))
        self._add("haproxy", [haproxy, "-db", "-f", str(config)], dict(os.environ))
        for child in self.children.values():
            await child.start()
        await self._ready(ports, agency_port)

    def _bot_env(self, port: int) -> dict[str, str]:
        return self._env(
            BOT_MODE="webhook",
            WEBHOOK_URL=f"http://127.0.0.1:{self.lb_port}",
            WEBHOOK_SECRET=SECRET,
            EMBEDDED_WORKER="false",
            HOST="127.0.0.1",
            PORT=str(port),
            LOG_LEVEL=self.log_level,
        )

    def _add(self, name: str, args: list[str], env: dict[str, str]) -> None:
        self.children[name] = Child(name, args, env, self.folder / f"{name}.log")

    def _agencies(self, url: str) -> None:
        offices = ", ".join(f'"{o.id}"' for o in load_policy_data().offices)
        (self.folder / "agencies.toml").write_text(
            f'[[agency]]\nid = "inbox"\nname = {{ zh = "收件", en = "Inbox" }}\n'
            f'offices = [{offices}]\ntransport = "https"\nurl = "{url}"\n'
            f'secrets = ["{AGENCY_SECRET}"]\ntimeout_s = 10\n'
        )

    async def _ready(self, ports: list[int], agency_port: int, timeout: float = 60) -> None:
        """Every bot answers /healthz directly and through the balancer, the agency answers,
        every worker said it started."""
        urls = [f"http://127.0.0.1:{p}/healthz" for p in ports]
        urls += [f"http://127.0.0.1:{agency_port}/bundles"]
        urls += [f"http://127.0.0.1:{self.lb_port}/healthz"] * len(ports)
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
            for url in urls:
                while not await _answers(session, url):
                    self._check_alive(deadline, url)
                    await asyncio.sleep(0.1)
        workers = [c for n, c in self.children.items() if n.startswith("worker")]
        while not all("started" in w.tail(0) for w in workers):
            self._check_alive(deadline, "the workers")
            await asyncio.sleep(0.1)

    def _check_alive(self, deadline: float, waiting_for: str) -> None:
        for child in self.children.values():
            if child.proc is not None and child.proc.returncode is not None:
                raise RuntimeError(f"{child.name} exited {child.proc.returncode}:\n{child.tail()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the scale-out set-up did not start: no {waiting_for}")

    async def kill(self, name: str) -> None:
        await self.children[name].kill()

    async def restart(self, name: str) -> None:
        await self.children[name].start()

    def agency_received(self) -> tuple[Counter[str], Counter[str]]:
        """Bundles the agency received, by reference: (stored, recognised as duplicates)."""
        stored: Counter[str] = Counter()
        again: Counter[str] = Counter()
        for reference, how in RECEIVED.findall(self.children["agency"].log.read_bytes()):
            (again if how.startswith(b":") else stored)[reference.decode()] += 1
        return stored, again

    def delivered_by(self, name: str) -> set[str]:
        """References the worker `name` logged delivered (recorded so after the agency's 200)."""
        return set(re.findall(r"outbox (SUB-[0-9A-Z-]+) delivered", self.children[name].tail(0)))

    def stored(self) -> set[str]:
        return {p.name for p in (self.folder / "received").glob("SUB-*") if p.is_dir()}

    async def stop(self) -> None:
        await asyncio.gather(*(child.stop() for child in self.children.values()))


async def _answers(session: aiohttp.ClientSession, url: str) -> bool:
    try:
        async with session.get(url) as response:
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False
