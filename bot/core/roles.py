"""Who may do what: the one check every privileged entry point makes, on the server, each time.

`require` answers whether a member holds a role and logs a refusal the same way everywhere:
the action's name and a pseudonym of the member (a keyed hash, new each process), never an
id or a message's text.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from collections.abc import Collection, Mapping

from flows.engine.address import Address

log = logging.getLogger(__name__)
ADMIN = "admin"  # from ADMIN_IDS, never stored: the roles below are granted by admins
_PSEUDONYM_KEY = os.urandom(16)


def pseudonym(member: Address) -> str:
    """A short keyed hash of the member: refusals by the same one can be told apart in one
    process's log, and nobody can be named from it."""
    digest = hmac.new(_PSEUDONYM_KEY, str(member).encode(), hashlib.sha256).hexdigest()
    return digest[:10]


def held(member: Address, grants: Mapping[str, object], admins: Collection[int]) -> frozenset[str]:
    """The member's roles: those granted in Redis (`RoleStore.of`, `FounderState.roles`), and
    "admin" for a Telegram user listed in ADMIN_IDS."""
    roles = set(grants)
    if member.channel == "telegram" and member.number in admins:
        roles.add(ADMIN)
    return frozenset(roles)


def refused(role: str, member: Address, action: str) -> None:
    """Log a refused attempt: which action, which role it needs, a pseudonym of who tried."""
    log.warning("refused %s: needs role %s; member %s", action or "-", role, pseudonym(member))


def require(role: str, member: Address, roles: Collection[str], *, action: str = "") -> bool:
    """Whether `member` holds `role` among `roles` (read for this call); a refusal is logged."""
    if role in roles:
        return True
    refused(role, member, action)
    return False
