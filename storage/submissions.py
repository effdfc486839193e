"""Submitted applications: the immutable records (personal answers sealed) and the outbox stream.

`FounderStore.commit` creates both; this module owns their format and reads them back.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any, cast

from redis.asyncio import Redis

from flows.engine.draft import Submission
from storage.crypto import FieldCipher, is_sealed
from storage.errors import text, unavailable
from storage.keys import CASE_PARTS, SHARDS, KeyBuilder, stream_order

OUTBOX_FIELDS = ("reference", "founder", "flow", "programme", "office", "submitted_at")


class SubmissionStore:
    """Reads submissions and the outbox; encodes submissions for the commit script.

    Records have no TTL: they are what an office received, and how long to keep them is an
    operator's decision (delete by key, `KeyBuilder.submission`, when retention ends).
    """

    def __init__(
        self,
        redis: Redis,
        keys: KeyBuilder,
        cipher: FieldCipher,
        sensitive: Collection[str] = (),
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.cipher = cipher
        self.sensitive = frozenset(sensitive)

    def encode(self, submission: Submission) -> str:
        """The stored JSON of a submission, its sensitive answers sealed."""
        data = submission.to_json()
        data["answers"] = self.cipher.seal_answers(submission.answers, self.sensitive)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    def decode(self, blob: bytes | str) -> Submission:
        """A submission from its stored JSON, sealed answers opened (SealBroken on a wrong key)."""
        data = json.loads(blob)
        data["answers"] = self.cipher.unseal_answers(data.get("answers") or {})
        return Submission.from_json(data)

    def commit_items(self, submissions: Sequence[Submission]) -> tuple[list[str], list[str]]:
        """The KEYS and ARGV that the commit script takes for these new submissions: each
        record with its shard's outbox stream. The bot draws a founder's references in their
        shard (bot.core.references), so that on a Cluster the commit touches one slot."""
        references = [s.reference for s in submissions]
        if len(set(references)) != len(references):
            raise ValueError("two new submissions share a reference")
        keys = [
            key
            for reference in references
            for key in (self.keys.submission(reference), self.keys.outbox_of(reference))
        ]
        return keys, [arg for s in submissions for arg in (self.encode(s), *_outbox_entry(s))]

    async def get(self, reference: str) -> Submission | None:
        """The submission with this reference, or None."""
        blob = await self.stored(reference)
        return None if blob is None else self.decode(blob)

    async def stored(self, reference: str) -> bytes | str | None:
        """The submission's record as stored (to `decode`), or None: a reader that reads it again
        later decodes it again only when it changed."""
        with unavailable():
            blob: bytes | str | None = await self.redis.get(self.keys.submission(reference))
        return blob

    async def first_sealed(self, scan_limit: int = 1000) -> dict[str, Any] | None:
        """One sealed value from a stored submission (among the first `scan_limit` keys the
        scan meets), to check the keys still open the records; None when there is none."""
        seen = 0
        with unavailable():
            async for key in self.redis.scan_iter(match=self.keys.submissions_pattern()):
                seen += 1
                if seen > scan_limit:
                    return None
                if text(key).rpartition(":")[2] in CASE_PARTS:
                    continue
                blob = await self.redis.get(key)
                found = None if blob is None else _sealed_in(json.loads(blob))
                if found is not None:
                    return found
        return None

    async def outbox(self, count: int = 100) -> list[dict[str, str]]:
        """The oldest outbox entries of every shard: the fields of `OUTBOX_FIELDS` plus the
        stream `id`."""
        found: list[dict[str, str]] = []
        with unavailable():
            for shard in range(SHARDS):
                entries = await self.redis.xrange(self.keys.outbox(shard), count=count)
                found += [
                    {"id": text(i)} | {text(k): text(v) for k, v in f.items()}
                    for i, f in cast(list[tuple[Any, dict[Any, Any]]], entries)
                ]
        return sorted(found, key=lambda e: stream_order(e["id"]))[:count]


def _sealed_in(value: Any) -> dict[str, Any] | None:
    """The first sealed value inside a decoded JSON document, depth first."""
    if is_sealed(value):
        return cast(dict[str, Any], value)
    children = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    )
    for child in children:
        if (found := _sealed_in(child)) is not None:
            return found
    return None


def _outbox_entry(submission: Submission) -> list[str]:
    """The outbox fields of a submission, in `OUTBOX_FIELDS` order (no personal data)."""
    return [
        submission.reference,
        str(submission.founder),
        submission.flow,
        submission.programme,
        submission.office,
        repr(float(submission.submitted_at)),
    ]
