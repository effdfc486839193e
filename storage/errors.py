"""Errors raised by `storage`.

StorageError
├── StorageUnavailable   Redis could not be reached or answered with an error
├── DraftConflict        the founder's records changed since they were loaded (CAS failed)
└── TurnTimeout          another update of the same founder held the turn for too long
"""


class StorageError(Exception):
    """Base of every error raised by `storage`."""


class StorageUnavailable(StorageError):
    """Redis could not be reached or answered with an error."""


class DraftConflict(StorageError):
    """The founder's revision changed between load and commit; reload and apply again."""


class TurnTimeout(StorageError):
    """Waited too long for this founder's earlier updates to finish."""
