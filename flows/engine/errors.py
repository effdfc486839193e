"""Errors raised by `flows`.

FlowError
├── ValidationFailed   an answer was refused; carries a msgid and params to explain why
└── PolicyDataError    the policy data file is malformed (raised at start-up)
"""

from __future__ import annotations

from typing import Any


class FlowError(Exception):
    """Base of every error raised by `flows`."""


class ValidationFailed(FlowError):
    """An answer was refused. `msgid` (marked with N_) says what is expected, with an example."""

    def __init__(self, msgid: str, **params: Any) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params


class NeedsConfirmation(ValidationFailed):
    """An answer that looks wrong but may be right (e.g. an early credit code failing its
    checksum): the founder is asked to confirm `value` or type it again."""

    def __init__(self, value: Any, msgid: str, **params: Any) -> None:
        super().__init__(msgid, **params)
        self.value = value


class PolicyDataError(FlowError):
    """The policy data file does not match its schema; the message names the entry and field."""
