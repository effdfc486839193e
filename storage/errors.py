"""Errors raised by `storage`.

StorageError
├── StorageUnavailable   Redis could not be reached or answered with an error
├── DraftConflict        the founder's records changed since they were loaded (CAS failed)
│   ├── ReferenceTaken   a submission's reference is already used; apply again with a new one
│   └── TurnLost         the turn was taken away (settled, or its lease ran out); begin again
├── TurnTimeout          another update of the same founder held the turn for too long
└── SealBroken           an encrypted value could not be decrypted with any configured key

DraftConflict, ReferenceTaken and TurnLost write nothing: begin again with the same token and
apply the update again (a retry of the whole turn handles all three).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from redis.exceptions import RedisError


class StorageError(Exception):
    """Base of every error raised by `storage`."""


class StorageUnavailable(StorageError):
    """Redis could not be reached or answered with an error."""


class DraftConflict(StorageError):
    """The founder's revision changed between load and commit; reload and apply again."""


class ReferenceTaken(DraftConflict):
    """A new submission's reference already exists; nothing was written, retry with a new one."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"submission reference {reference} is already taken")
        self.reference = reference


class TurnLost(DraftConflict):
    """The turn no longer holds the founder's records (settled or evicted); nothing was written."""


class Busy(DraftConflict):
    """A cached turn found another turn waiting or running; nothing was written: begin one."""


class Duplicate(StorageError):
    """A cached turn's update was handled before (its id is recorded); nothing was written."""


class TurnTimeout(StorageError):
    """Waited too long for this founder's earlier updates to finish."""


class SealBroken(StorageError):
    """A sealed value is malformed or no configured key decrypts it (wrong or retired key)."""


@contextmanager
def unavailable() -> Iterator[None]:
    """Turns a Redis error raised inside into StorageUnavailable."""
    try:
        yield
    except RedisError as exc:
        raise StorageUnavailable(str(exc)) from exc


def text(value: bytes | str | int) -> str:
    """A Redis reply (bytes, or already text) as text."""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
