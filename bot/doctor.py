"""`python -m bot doctor`: checks of what a deployment needs, each a function that takes the
clients it checks and returns Problems (empty: fine). The CLI prints one line per problem.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from bot.handoff.agencies import Agency
from bot.wiring import App
from storage.crypto import FieldCipher
from storage.errors import SealBroken, StorageError
from storage.keys import KeyBuilder
from storage.migrate import Migration
from storage.submissions import SubmissionStore

MIN_REDIS = (6, 2)  # the scripts use XAUTOCLAIM and LPOS
CERT_MIN_DAYS = 14
CONNECT_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or, with `warning`, one thing the doctor could not check)."""

    text: str
    warning: bool = False

    def line(self) -> str:
        return f"{'warning' if self.warning else 'problem'}: {self.text}"


async def diagnose(app: App) -> list[Problem]:
    """Every check against the app's Redis, data keys and agencies."""
    problems = await check_redis(app.redis)
    if any(p.text.startswith("Redis unreachable") for p in problems):
        return problems
    problems += await check_replicas(app.redis, app.settings.redis_wait_replicas)
    problems += await check_data_keys(app.submissions)
    problems += await check_key_schema(app.redis, app.store.keys)
    for agency in app.agencies:
        problems += await check_agency(agency)
    return problems


async def check_redis(redis: Redis) -> list[Problem]:
    """Reachable, version >= 6.2, persistence on, maxmemory-policy noeviction."""
    try:
        info: dict[str, Any] = await redis.info("server")
    except RedisError as exc:
        return [Problem(f"Redis unreachable: {type(exc).__name__}: {exc}")]
    problems = version_problems(str(info.get("redis_version", "0")))
    try:
        config = await _config(redis, "appendonly", "save", "maxmemory-policy")
    except ResponseError:
        return problems + [
            Problem(
                "CONFIG GET is refused: check persistence (appendonly/save) and "
                "maxmemory-policy noeviction by hand",
                warning=True,
            )
        ]
    if config.get("appendonly") != "yes" and not config.get("save", "").strip():
        problems.append(
            Problem(
                "Redis persistence is off (appendonly no, save ''): a restart loses drafts, "
                "submissions and the outbox; turn on appendonly yes"
            )
        )
    policy = config.get("maxmemory-policy", "")
    if policy != "noeviction":
        problems.append(
            Problem(
                f"Redis maxmemory-policy is {policy!r}, not 'noeviction': under memory pressure "
                "Redis would evict drafts or outbox entries and lose founders' answers"
            )
        )
    return problems


async def check_key_schema(redis: Redis, keys: KeyBuilder) -> list[Problem]:
    """Keys of schema v1 left under the prefix: this release does not read them."""
    if not await Migration(redis, keys).pending():
        return []
    return [
        Problem(
            "keys of schema v1 found: stop the bot and run `python -m bot migrate-keys`; until "
            "then their drafts, submissions and outbox entries are not seen"
        )
    ]


async def check_replicas(redis: Redis, wanted: int) -> list[Problem]:
    """With REDIS_WAIT_REPLICAS, the primary has that many replicas connected."""
    if wanted <= 0:
        return []
    try:
        info: dict[str, Any] = await redis.info("replication")
    except RedisError as exc:
        return [Problem(f"could not ask Redis for its replicas: {type(exc).__name__}")]
    connected = int(info.get("connected_slaves", 0))
    if connected >= wanted:
        return []
    return [
        Problem(
            f"REDIS_WAIT_REPLICAS is {wanted} but the primary has {connected} replicas "
            "connected: every answer fails as not saved until enough replicas are back"
        )
    ]


def version_problems(version: str) -> list[Problem]:
    """A problem for a Redis older than 6.2."""
    if _version(version) >= MIN_REDIS:
        return []
    return [Problem(f"Redis {version} is older than 6.2: the scripts need XAUTOCLAIM and LPOS")]


async def check_data_keys(submissions: SubmissionStore) -> list[Problem]:
    """The data keys open a value sealed now and, if any exists, one stored sealed value."""
    cipher: FieldCipher = submissions.cipher
    probe = uuid.uuid4().hex
    try:
        if cipher.unseal(cipher.seal(probe)) != probe:
            return [Problem("DATA_KEYS do not open a value they sealed")]
    except SealBroken:
        return [Problem("DATA_KEYS do not open a value they sealed")]
    try:
        stored = await submissions.first_sealed()
        if stored is not None:
            cipher.unseal(stored)
    except SealBroken:
        return [Problem("DATA_KEYS cannot open stored records: a key was removed")]
    except StorageError as exc:
        return [Problem(f"could not read submissions to check DATA_KEYS: {type(exc).__name__}")]
    return []


async def check_agency(
    agency: Agency, *, timeout_s: float = CONNECT_TIMEOUT_S, now: float | None = None
) -> list[Problem]:
    """An https agency answers a TLS connection with a valid certificate; a directory agency's
    folder exists and takes a file."""
    if agency.transport == "directory":
        assert agency.path is not None
        return check_folder(agency.id, agency.path)
    assert agency.url is not None
    parts = urlsplit(agency.url)
    host, secure = parts.hostname or "", parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    context = ssl.create_default_context() if secure else None
    where = f"agency {agency.id}: {host}:{port}"
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(
                host, port, ssl=context, server_hostname=host if secure else None
            ),
            timeout_s,
        )
    except ssl.SSLCertVerificationError as exc:
        return [Problem(f"{where}: certificate invalid ({exc.verify_message})")]
    except (OSError, TimeoutError) as exc:
        return [Problem(f"{where} unreachable within {timeout_s:g} s ({type(exc).__name__})")]
    try:
        cert = writer.get_extra_info("peercert") if secure else None
    finally:
        writer.close()
        await asyncio.gather(writer.wait_closed(), return_exceptions=True)
    if not cert:
        return []
    not_after = ssl.cert_time_to_seconds(str(cert["notAfter"]))
    return certificate_problems(where, not_after, time.time() if now is None else now)


def certificate_problems(where: str, not_after: float, now: float) -> list[Problem]:
    """A problem when the certificate expires within CERT_MIN_DAYS (or has expired)."""
    days = (not_after - now) / 86400
    if days < 0:
        return [Problem(f"{where}: certificate expired {-days:.0f} days ago")]
    if days < CERT_MIN_DAYS:
        return [Problem(f"{where}: certificate expires in {days:.0f} days: renew it")]
    return []


def check_folder(agency_id: str, path: Path) -> list[Problem]:
    """A file can be written into the folder (and removed again); a missing folder is fine
    when the first delivery can create it (its nearest existing parent takes a file)."""
    where = f"agency {agency_id}: folder {path}"
    if path.exists() and not path.is_dir():
        return [Problem(f"{where} is not a folder")]
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir():
        return [Problem(f"{where} does not exist and cannot be created ({existing} is a file)")]
    probe = existing / f".doctor-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        made = "is not writable" if existing == path else "cannot be created"
        return [Problem(f"{where} {made} ({exc.strerror})")]
    return []


async def _config(redis: Redis, *names: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in names:
        reply: dict[Any, Any] = await redis.config_get(name)
        found |= {_str(k): _str(v) for k, v in reply.items()}
    return found


def _str(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".")[:2] if p.isdigit())
