"""Field-level encryption of personal data at rest (ID numbers, mobiles) with rotatable keys.

A sealed value is stored as `{"$enc": "<Fernet token>"}` in place of the plain string.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from storage.errors import SealBroken

SEALED = "$enc"
MAX_SEALS = 64  # answers one founder's `Seals` remembers

# One founder's sealed answers as last read or written, (answer name, plain value) → sealed form:
# an answer unchanged since is written back as it was instead of being encrypted again (Fernet
# tokens are random, so a fresh one costs random bytes, a cipher and a MAC each time).
# Kept per founder, so equal values of two founders never share a token.
Seals = dict[tuple[str, str], dict[str, str]]


def is_sealed(value: object) -> bool:
    """Whether a stored value has the shape of a sealed one."""
    return isinstance(value, dict) and len(value) == 1 and SEALED in value


class FieldCipher:
    """Seals and unseals single answers; the first key encrypts, every key decrypts."""

    def __init__(self, fernet: MultiFernet) -> None:
        self._fernet = fernet

    @classmethod
    def from_keys(cls, keys: Sequence[str | bytes]) -> FieldCipher:
        """A cipher from Fernet keys, newest first (older keys only decrypt, during rotation)."""
        if isinstance(keys, (str, bytes)) or not keys:
            raise ValueError("give a non-empty list of Fernet keys, newest first")
        try:
            return cls(MultiFernet([Fernet(key) for key in keys]))
        except (ValueError, TypeError) as exc:
            raise ValueError("a field encryption key is not a valid Fernet key") from exc

    @staticmethod
    def generate_key() -> str:
        """A fresh random Fernet key (url-safe base64 text)."""
        return Fernet.generate_key().decode("ascii")

    def seal(self, value: str) -> dict[str, str]:
        """The sealed form of one string."""
        return {SEALED: self._fernet.encrypt(value.encode("utf-8")).decode("ascii")}

    def unseal(self, obj: Mapping[str, Any]) -> str:
        """The plain string inside a sealed value; SealBroken when no key opens it."""
        token = obj.get(SEALED) if isinstance(obj, Mapping) else None
        if not isinstance(token, str):
            raise SealBroken("not a sealed value")
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise SealBroken("no configured key decrypts a sealed value") from None

    def seal_answers(
        self, answers: Mapping[str, Any], names: Collection[str], seals: Seals | None = None
    ) -> dict[str, Any]:
        """A copy of the answers with the named non-empty string values sealed. With `seals`
        (one founder's: see `Seals`), an answer sealed before keeps its sealed form."""
        return {
            name: self._sealed(name, value, seals)
            if name in names and isinstance(value, str) and value
            else value
            for name, value in answers.items()
        }

    def _sealed(self, name: str, value: str, seals: Seals | None) -> dict[str, str]:
        if seals is None:
            return self.seal(value)
        found = seals.get((name, value))
        if found is None:
            if len(seals) >= MAX_SEALS:
                seals.clear()
            found = seals[(name, value)] = self.seal(value)
        return found

    def unseal_answers(
        self, answers: Mapping[str, Any], seals: Seals | None = None
    ) -> dict[str, Any]:
        """A copy of the answers with every sealed value opened; each noted in `seals`."""
        opened: dict[str, Any] = {}
        for name, value in answers.items():
            if is_sealed(value):
                opened[name] = self.unseal(value)
                if seals is not None and len(seals) < MAX_SEALS:
                    seals[(name, opened[name])] = value
            else:
                opened[name] = value
        return opened
