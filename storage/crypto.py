"""Field-level encryption of personal data at rest (ID numbers, mobiles) with rotatable keys.

A sealed value is stored as `{"$enc": "<Fernet token>"}` in place of the plain string.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from storage.errors import SealBroken

SEALED = "$enc"


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

    def seal_answers(self, answers: Mapping[str, Any], names: Collection[str]) -> dict[str, Any]:
        """A copy of the answers with the named non-empty string values sealed."""
        return {
            name: self.seal(value) if name in names and isinstance(value, str) and value else value
            for name, value in answers.items()
        }

    def unseal_answers(self, answers: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of the answers with every sealed value opened."""
        return {
            name: self.unseal(value) if is_sealed(value) else value
            for name, value in answers.items()
        }
