"""`python -m bot doctor`: each check against the real test Redis, real sockets and folders."""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import socket
import ssl
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot import ops
from bot.config import Settings
from bot.doctor import (
    Problem,
    certificate_problems,
    check_agency,
    check_data_keys,
    check_folder,
    check_redis,
    check_replicas,
    version_problems,
)
from bot.handoff.agencies import Agency
from flows.engine.text import Localized
from flows.policy.loader import load_policy_data
from storage.crypto import FieldCipher
from storage.keys import KeyBuilder
from storage.submissions import SubmissionStore

OLD_KEY, NEW_KEY = FieldCipher.generate_key(), FieldCipher.generate_key()
DAY = 86400.0
NO_PERSISTENCE = (
    "problem: Redis persistence is off (appendonly no, save ''): a restart loses drafts, "
    "submissions and the outbox; turn on appendonly yes"
)


def texts(problems: list[Problem]) -> list[str]:
    return [p.line() for p in problems]


@pytest.fixture
async def configured(redis: aioredis.Redis) -> AsyncIterator[aioredis.Redis]:
    """The test Redis; its maxmemory-policy and appendonly are restored after the test."""
    saved = {name: await redis.config_get(name) for name in ("maxmemory-policy", "appendonly")}
    try:
        yield redis
    finally:
        for reply in saved.values():
            for name, value in reply.items():
                await redis.config_set(name, value)


async def test_the_test_redis_has_persistence_off_and_noeviction(configured) -> None:
    assert texts(await check_redis(configured)) == [NO_PERSISTENCE]
    await configured.config_set("appendonly", "yes")
    assert await check_redis(configured) == []


async def test_an_evicting_memory_policy_is_a_problem(configured) -> None:
    await configured.config_set("appendonly", "yes")
    await configured.config_set("maxmemory-policy", "allkeys-lru")
    [line] = texts(await check_redis(configured))
    assert "maxmemory-policy is 'allkeys-lru', not 'noeviction'" in line
    assert "lose founders' answers" in line


async def test_a_refused_config_is_a_warning(redis: aioredis.Redis, redis_url: str) -> None:
    user = f"doctor-{os.getpid()}"
    await redis.acl_setuser(
        user, enabled=True, passwords=["+pw"], keys=["*"], commands=["+@all", "-config"]
    )
    client = aioredis.from_url(redis_url, username=user, password="pw")
    try:
        [problem] = await check_redis(client)
    finally:
        await client.aclose()
        await redis.acl_deluser(user)
    assert problem.warning and problem.text.startswith("CONFIG GET is refused")


async def test_an_unreachable_redis_is_one_problem(tmp_path: Path) -> None:
    client = aioredis.from_url(f"unix://{tmp_path / 'none.sock'}")
    try:
        [line] = texts(await check_redis(client))
    finally:
        await client.aclose()
    assert line.startswith("problem: Redis unreachable: ConnectionError")


@pytest.mark.parametrize(("version", "ok"), [("6.0.16", False), ("6.2.0", True), ("7.4.1", True)])
def test_redis_older_than_6_2_is_a_problem(version: str, ok: bool) -> None:
    assert (version_problems(version) == []) is ok


async def sealed_record(redis: aioredis.Redis, keys: KeyBuilder, key: str) -> None:
    """A stored submission whose mobile was sealed with `key`."""
    record = {"founder": "30", "answers": {"mobile": FieldCipher.from_keys([key]).seal("1381")}}
    await redis.set(keys.submission("SUB-1"), json.dumps(record))
    await redis.rpush(keys.submission("SUB-1") + ":events", "{}")


@pytest.mark.parametrize(
    ("keys", "problems"),
    [
        ([OLD_KEY], []),
        ([NEW_KEY, OLD_KEY], []),  # a rotation: the old key still opens it
        ([NEW_KEY], ["problem: DATA_KEYS cannot open stored records: a key was removed"]),
    ],
)
async def test_the_data_keys_must_open_a_stored_record(redis, key_prefix, keys, problems) -> None:
    builder = KeyBuilder(key_prefix)
    store = SubmissionStore(redis, builder, FieldCipher.from_keys(keys))
    assert await check_data_keys(store) == []  # nothing stored yet: only the probe
    await sealed_record(redis, builder, OLD_KEY)
    assert texts(await check_data_keys(store)) == problems


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def https_agency(url: str) -> Agency:
    return Agency("hrss", Localized("人社局", "HR&SS"), ("x",), "https", url, ("s",), 10)


async def test_an_https_agency_at_a_closed_port_is_unreachable() -> None:
    port = closed_port()
    [line] = texts(await check_agency(https_agency(f"https://127.0.0.1:{port}/bundles")))
    assert line.startswith(f"problem: agency hrss: 127.0.0.1:{port} unreachable within 3 s")


@pytest.fixture
def self_signed(tmp_path: Path) -> Iterator[ssl.SSLContext]:
    """A server context with a self-signed certificate for 127.0.0.1 (no CA trusts it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    yield context


async def test_an_untrusted_certificate_is_a_problem(self_signed: ssl.SSLContext) -> None:
    async def hang_up(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0, ssl=self_signed)
    port = server.sockets[0].getsockname()[1]
    try:
        [line] = texts(await check_agency(https_agency(f"https://127.0.0.1:{port}/")))
    finally:
        server.close()
        await server.wait_closed()
    assert line.startswith(f"problem: agency hrss: 127.0.0.1:{port}: certificate invalid")


@pytest.mark.parametrize(
    ("days", "expected"),
    [(30, None), (14.5, None), (10, "expires in 10 days: renew it"), (-3, "expired 3 days ago")],
)
def test_a_certificate_close_to_expiry_is_a_problem(days: float, expected: str | None) -> None:
    problems = certificate_problems(
        "agency hrss: example.org:443", 1000 * DAY + days * DAY, 1000 * DAY
    )
    assert [p.text for p in problems] == (
        [] if expected is None else [f"agency hrss: example.org:443: certificate {expected}"]
    )


def test_a_directory_agency_needs_a_writable_folder(tmp_path: Path) -> None:
    assert check_folder("employment", tmp_path) == []
    assert list(tmp_path.iterdir()) == []  # the probe file is gone again
    (tmp_path / "file").write_text("")
    assert texts(check_folder("employment", tmp_path / "file")) == [
        f"problem: agency employment: folder {tmp_path / 'file'} is not a folder"
    ]
    assert check_folder("employment", tmp_path / "new" / "inbox") == []  # delivery creates it
    assert list(tmp_path.iterdir()) == [tmp_path / "file"]
    below_a_file = tmp_path / "file" / "inbox"  # cannot be created, even by root
    [line] = texts(check_folder("employment", below_a_file))
    assert line == (
        f"problem: agency employment: folder {below_a_file} does not exist and cannot be "
        f"created ({tmp_path / 'file'} is a file)"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_not_writable(tmp_path: Path) -> None:
    tmp_path.chmod(0o555)
    try:
        [line] = texts(check_folder("employment", tmp_path))
    finally:
        tmp_path.chmod(0o755)
    assert "is not writable" in line


def agencies_file(tmp_path: Path, inbox: Path) -> Path:
    offices = json.dumps([o.id for o in load_policy_data().offices])
    path = tmp_path / "agencies.toml"
    path.write_text(
        f'[[agency]]\nid = "all"\nname = {{ zh = "全部", en = "All" }}\noffices = {offices}\n'
        f'transport = "directory"\npath = {json.dumps(str(inbox))}\n',
        encoding="utf-8",
    )
    return path


async def test_the_command_prints_one_line_per_problem(
    configured, redis_url, key_prefix, tmp_path, capsys
) -> None:
    settings = Settings(
        redis_url=redis_url,
        redis_prefix=key_prefix,
        data_keys=NEW_KEY,
        agencies_file=agencies_file(tmp_path, tmp_path / "file" / "inbox"),
    )
    (tmp_path / "file").write_text("")
    await sealed_record(configured, KeyBuilder(key_prefix), OLD_KEY)
    assert await ops.main(["doctor"], settings) == 1
    mode, *lines = capsys.readouterr().out.splitlines()
    assert mode.startswith("Redis: one Redis server at ")  # which mode it connects in
    assert [line.split(":")[1].split()[0] for line in lines] == ["Redis", "DATA_KEYS", "agency"]
    await configured.config_set("appendonly", "yes")
    (tmp_path / "file").unlink()  # now the first delivery can create the folder
    await configured.delete(KeyBuilder(key_prefix).submission("SUB-1"))
    assert await ops.main(["doctor"], settings) == 0
    assert capsys.readouterr().out.splitlines()[1:] == ["all checks passed"]


async def test_waiting_for_replicas_a_primary_does_not_have_is_a_problem(configured) -> None:
    assert await check_replicas(configured, 0) == []
    [problem] = await check_replicas(configured, 1)  # the test Redis has no replica
    assert "REDIS_WAIT_REPLICAS is 1 but the primary has 0 replicas" in problem.text
