"""Seeded corpora of what an attacker or a broken proxy may post: to Telegram's webhook (with
the right secret) and to the agencies' status endpoint (unsigned or badly signed)."""

from __future__ import annotations

import json
import random
from typing import Any

SENTINELS = ("SENTINEL-SECRET-PAYLOAD", "13912345678", "310101199003077777")  # never logged
HUGE = (2**63, -(2**63) - 1, 10**30, -(10**40))
WRONG: list[Any] = [None, True, False, -1, 0, 1e308, -0.0, "x", [], {}, "\ud800", "\udfff"]
WRONG += ["٣", "３", "१२", *HUGE, "a" * 5000, {"id": "1"}, [[[]]]]  # ids may be logged
CALLBACKS = ["a:p:reg:٣:llc", "a:p:reg:３:x", "a:\ud800", "a:o::", "a:y:reg", "a:p:reg:-1:x"]
CALLBACKS += ["a:p:reg:99999999999999999999:x", "", ":" * 64, "a:v::1.0:" + "x" * 80, "é" * 40]


def _user(rng: random.Random) -> dict[str, Any]:
    return {"id": rng.randrange(1, 10_000), "is_bot": False, "first_name": rng.choice(SENTINELS)}


def _templates(rng: random.Random, update_id: int) -> list[dict[str, Any]]:
    """Well-formed updates of each kind a founder sends, to be broken."""
    user = _user(rng)
    chat = {"id": user["id"], "type": "private"}
    message = {"message_id": rng.randrange(1, 99), "date": 0, "chat": chat, "from": user}
    document = {"file_id": "f", "file_unique_id": "u", "file_size": 10}
    document["file_name"] = rng.choice(SENTINELS) + ".pdf"
    return [
        {"update_id": update_id, "message": {**message, "text": rng.choice(SENTINELS)}},
        {"update_id": update_id, "message": {**message, "text": "/start registration"}},
        {
            "update_id": update_id,
            "callback_query": {
                "id": "1",
                "from": user,
                "chat_instance": "1",
                "data": rng.choice(CALLBACKS),
                "message": {**message, "text": "q"},
            },
        },
        {"update_id": update_id, "message": {**message, "document": document}},
        {
            "update_id": update_id,
            "message": {**message, "photo": [{**document, "width": 1, "height": 1}]},
        },
        {"update_id": update_id, "edited_message": {**message, "caption": rng.choice(SENTINELS)}},
    ]


def _break(rng: random.Random, value: Any, depth: int = 0) -> Any:
    """`value` with one field somewhere replaced by a wrongly typed or out-of-range one."""
    if isinstance(value, dict) and value and (depth == 0 or rng.random() < 0.7):
        key = rng.choice(list(value))
        copy = dict(value)
        if rng.random() < 0.15:
            del copy[key]
        else:
            copy[key] = _break(rng, value[key], depth + 1)
        return copy
    if isinstance(value, list) and value and rng.random() < 0.7:
        return [_break(rng, value[0], depth + 1), *value[1:]]
    if isinstance(value, int) and not isinstance(value, bool) and rng.random() < 0.5:
        return rng.choice([-value, -1, *HUGE])  # negative file sizes, ids beyond 64 bits
    return rng.choice(WRONG)


def _raw(rng: random.Random) -> bytes:
    """Bytes that are not JSON, or barely: random, invalid UTF-8, a BOM, deep nesting."""
    kind = rng.randrange(6)
    if kind == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
    if kind == 1:
        return b"\xef\xbb\xbf" + json.dumps({"update_id": rng.randrange(99)}).encode()
    if kind == 2:
        depth = rng.choice([50, 999, 5000, 100_000])
        return b'{"update_id":1,"message":' + b"[" * depth + b"]" * depth + b"}"
    if kind == 3:  # a valid update around an invalid UTF-8 sequence
        return b'{"update_id":1,"message":{"message_id":1,"date":0,"chat":{"id":1},"text":"\xc3("}}'
    if kind == 4:
        return rng.choice([b"", b"null", b"[]", b"1e999999", b"-0", b'"\\ud800"', b"{" * 3000])
    return json.dumps({"update_id": 1, "message": "x" * rng.randrange(10)}).encode()[:-1]


def hostile_bodies(count: int = 2000, seed: int = 20261201) -> list[bytes]:
    """`count` bodies: a sixth raw bytes, the rest real update shapes with a field broken."""
    rng = random.Random(seed)
    bodies = [b"", b"\xef\xbb\xbf{}", b"\xff\xfe\x00{", b"[" * 5000 + b"]" * 5000, b"{" * 3000]
    while len(bodies) < count:
        if rng.randrange(6) == 0:
            bodies.append(_raw(rng))
            continue
        update = rng.choice(_templates(rng, rng.randrange(1, 2**31)))
        for _ in range(rng.choice([1, 1, 2, 3])):
            update = _break(rng, update)
        bodies.append(json.dumps(update).encode("utf-8", "surrogatepass"))
    return bodies


def hostile_reports(count: int = 2000, seed: int = 20261202) -> list[tuple[bytes, dict[str, str]]]:
    """(body, headers) for the status endpoint: unsigned, malformed or wrongly signed."""
    rng = random.Random(seed)
    headers = [
        "",
        "t=1,v1=" + "0" * 64,
        "t=" + "9" * 12 + ",v1=" + "a" * 64,
        "t=١٢٣,v1=" + "b" * 64,
        "v1=" + "c" * 64,
        "t=1",
        "t=1,t=2,v1=" + "d" * 64,
        ",,,,",
        "=" * 511,
        "t=1,v1=" + "e" * 64 + ",v0=x" * 80,
        "x" * 600,
        "t=1,v1=" + "G" * 64,
        "t=-1,v1=" + "f" * 64,
        "t=1,v1=" + "０" * 64,
    ]
    out: list[tuple[bytes, dict[str, str]]] = []
    while len(out) < count:
        report: Any = {"reference": "SUB-20261128-000001", "status": "accepted", "note": "n"}
        for _ in range(rng.choice([0, 1, 2])):
            report = _break(rng, report)
        body = (
            _raw(rng)
            if rng.randrange(4) == 0
            else json.dumps(report).encode("utf-8", "surrogatepass")
        )
        header = rng.choice(headers)
        if rng.random() < 0.3:  # a plausible header with a random timestamp and digest
            header = f"t={rng.randrange(-(10**12), 10**13)},v1={rng.randbytes(32).hex()}"
        sent = {"Content-Type": rng.choice(["application/json", "text/plain", "x/\u00ff"])}
        if header or rng.random() < 0.5:
            sent["X-SME-Signature"] = header
        out.append((body, sent))
    return out
