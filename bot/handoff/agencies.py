"""The agencies file: who receives the bundles for each office, and how (HTTPS or a folder).

Validated strictly at start-up; every problem raises `AgencyConfigError` naming the file, the
entry (id, or #n from 1) and the field. The format is described atop `agencies.default.toml`.
"""

from __future__ import annotations

import re
import ssl
import tomllib
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal, cast
from urllib.parse import SplitResult, urlsplit

from bot.handoff.agency_entry import AgencyConfigError, Entry
from bot.handoff.tls import TLSFileError, client_context, is_loopback
from bot.handoff.transports import DirectoryTransport, HttpsTransport
from bot.handoff.types import BUNDLE_SCHEMA_VERSION, BUNDLE_VERSIONS, Transport
from flows.engine.text import Localized

__all__ = [
    "DEFAULT_PATH", "Agencies", "Agency", "AgencyConfigError", "load_agencies", "make_transport",
    "parse_agencies",
]  # fmt: skip
DEFAULT_PATH: Final = Path(__file__).parent / "agencies.default.toml"
_ID: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_KEYS: Final = {
    "id", "name", "offices", "transport", "url", "secrets", "timeout_s", "path",
    "staff_chat_id", "staff_user_ids", "ca_file", "client_cert", "client_key", "bundle_version",
}  # fmt: skip
_TLS_KEYS: Final = ("ca_file", "client_cert", "client_key")
_HTTPS_ONLY: Final = ("url", "secrets", "timeout_s", *_TLS_KEYS)


@dataclass(frozen=True)
class Agency:
    """One receiving agency: the offices it handles and how bundles reach it."""

    id: str
    name: Localized
    offices: tuple[str, ...]
    transport: Literal["https", "directory"]
    url: str | None = None
    secrets: tuple[str, ...] = field(default=(), repr=False)
    timeout_s: float = 30.0
    path: Path | None = None
    staff_chat_id: int | None = None
    staff_user_ids: tuple[int, ...] = ()
    tls: ssl.SSLContext | None = field(default=None, compare=False, repr=False)
    """Built at start-up from `ca_file`, `client_cert` and `client_key`; None: system store."""
    bundle_version: int = BUNDLE_SCHEMA_VERSION
    """The bundle.json version its receiver reads (1: the subsidy-only layout it was built on)."""


@dataclass(frozen=True)
class Agencies:
    """Every agency of the file, with each policy office mapped to exactly one of them."""

    agencies: tuple[Agency, ...]
    by_office: dict[str, Agency] = field(repr=False)

    def for_office(self, office_id: str) -> Agency:
        """The agency handling `office_id` (KeyError for an office outside the policy data)."""
        return self.by_office[office_id]

    def takeover_after_ms(self, margin_s: float = 30.0, floor_ms: int = 60_000) -> int:
        """How long a delivery may stay with one worker before another takes it over: longer
        than the slowest agency's timeout, so a slow delivery is not sent twice."""
        slowest = max((a.timeout_s for a in self.agencies if a.transport == "https"), default=0)
        return max(floor_ms, int((slowest + margin_s) * 1000))

    def get(self, agency_id: str) -> Agency | None:
        """The agency with this id, or None."""
        return next((a for a in self.agencies if a.id == agency_id), None)

    def all(self) -> tuple[Agency, ...]:
        """Every agency, in file order."""
        return self.agencies

    def __iter__(self) -> Iterator[Agency]:
        return iter(self.agencies)

    def __len__(self) -> int:
        return len(self.agencies)


def _tls(e: Entry, parts: SplitResult, cwd: Path) -> ssl.SSLContext | None:
    """The agency's SSL context from its PEM files; http:// only to a loopback host."""
    paths = {key: cwd / e.text(key) for key in _TLS_KEYS if key in e.table}
    if parts.scheme == "http":
        if not is_loopback(parts.hostname or ""):
            e.fail("url", "https:// required (http:// only for a loopback host): full ID "
                   "numbers would travel unencrypted")  # fmt: skip
        if paths:
            e.fail(next(iter(paths)), "only for an https:// url")
    if not paths:
        return None
    try:
        return client_context(*(paths.get(key) for key in _TLS_KEYS))
    except TLSFileError as error:
        e.fail(error.field, error.problem)


def _https(e: Entry, cwd: Path) -> tuple[str, tuple[str, ...], float, ssl.SSLContext | None]:
    why = ' for transport "https"'
    url = e.text("url", why)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        e.fail("url", "expected an http:// or https:// address with a host")
    tls = _tls(e, parts, cwd)
    secrets = cast(list[str], e.items("secrets", str, "strings", why))
    if len(secrets) > 2 or not all(s.strip() for s in secrets):
        e.fail("secrets", "expected 1 or 2 non-empty secrets (the first signs)")
    timeout = cast(float | None, e.get("timeout_s", (int, float), "a number of seconds"))
    if timeout is not None and not 0 < timeout <= 600:
        e.fail("timeout_s", "expected more than 0 and at most 600 seconds")
    if "path" in e.table:
        e.fail("path", 'only for transport "directory"')
    return url, tuple(secrets), 30.0 if timeout is None else float(timeout), tls


def _directory(e: Entry, cwd: Path) -> Path:
    path = Path(e.text("path", ' for transport "directory"'))
    if present := [key for key in _HTTPS_ONLY if key in e.table]:
        e.fail(present[0], 'only for transport "https"')
    return path if path.is_absolute() else cwd / path


def _staff(e: Entry) -> tuple[int | None, tuple[int, ...]]:
    chat = cast(int | None, e.get("staff_chat_id", int, "an integer chat id"))
    if chat is None:
        if "staff_user_ids" in e.table:
            e.fail("staff_user_ids", "only together with staff_chat_id")
        return None, ()
    users = e.items("staff_user_ids", int, "integer user ids", " when staff_chat_id is set")
    return chat, tuple(cast(list[int], users))


def _bundle_version(e: Entry) -> int:
    version = cast(int | None, e.get("bundle_version", int, "an integer"))
    if version is None:
        return BUNDLE_SCHEMA_VERSION
    if version not in BUNDLE_VERSIONS:
        e.fail(
            "bundle_version", f"expected {' or '.join(map(str, BUNDLE_VERSIONS))}, got {version}"
        )
    return version


def _agency(e: Entry, cwd: Path) -> Agency:
    if unknown := sorted(set(e.table) - _KEYS):
        e.fail(unknown[0], "unknown field")
    ident = e.text("id")
    if not _ID.fullmatch(ident):
        e.fail("id", "expected lowercase ascii letters, digits, '_' or '-' (up to 64)")
    name = cast(dict[str, object], e.required("name", dict, "a table { zh, en }"))
    zh, en = name.get("zh"), name.get("en")
    if set(name) != {"zh", "en"} or not (isinstance(zh, str) and isinstance(en, str)):
        e.fail("name", 'expected { zh = "...", en = "..." }')
    if not (zh.strip() and en.strip()):
        e.fail("name", "both zh and en must be non-empty")
    offices = cast(list[str], e.items("offices", str, "office ids"))
    if len(set(offices)) != len(offices):
        e.fail("offices", "lists an office twice")
    transport = e.text("transport")
    chat, users = _staff(e)
    common = (ident, Localized(zh, en), tuple(offices))
    version = _bundle_version(e)
    if transport == "https":
        url, secrets, timeout, tls = _https(e, cwd)
        return Agency(*common, "https", url, secrets, timeout, None, chat, users, tls, version)
    if transport == "directory":
        return Agency(
            *common,
            "directory",
            path=_directory(e, cwd),
            staff_chat_id=chat,
            staff_user_ids=users,
            bundle_version=version,
        )
    e.fail("transport", f'expected "https" or "directory", got {transport!r}')


def parse_agencies(
    doc: dict[str, object], office_ids: Collection[str], file: str = "agencies.toml"
) -> Agencies:
    """Validate an already-parsed agencies document against the policy data's office ids."""
    if unknown := sorted(set(doc) - {"agency"}):
        raise AgencyConfigError(f"{file}: {unknown[0]}: unknown section (expected [[agency]])")
    tables = doc.get("agency")
    if not isinstance(tables, list) or not tables:
        raise AgencyConfigError(f"{file}: agency: expected at least one [[agency]] table")
    agencies: list[Agency] = []
    by_office: dict[str, Agency] = {}
    for index, table in enumerate(tables, start=1):
        if not isinstance(table, dict):
            raise AgencyConfigError(f"{file}: agency #{index}: expected a table")
        entry = Entry(file, index, table)
        agency = _agency(entry, Path.cwd())
        if any(a.id == agency.id for a in agencies):
            entry.fail("id", "duplicate agency id")
        for office in agency.offices:
            if office not in office_ids:
                entry.fail("offices", f"unknown office {office!r} (not in the policy data)")
            if office in by_office:
                entry.fail(
                    "offices", f"office {office!r} already belongs to {by_office[office].id!r}"
                )
            by_office[office] = agency
        agencies.append(agency)
    if uncovered := [office for office in office_ids if office not in by_office]:
        raise AgencyConfigError(
            f"{file}: offices not covered by any agency: {', '.join(uncovered)}"
        )
    return Agencies(tuple(agencies), by_office)


def load_agencies(path: Path | None, office_ids: Collection[str]) -> Agencies:
    """Read and validate the agencies file (None: the embedded default for local runs)."""
    path = DEFAULT_PATH if path is None else path
    try:
        with path.open("rb") as file:
            doc = tomllib.load(file)
    except OSError as error:
        raise AgencyConfigError(f"{path}: cannot read the agencies file ({error})") from error
    except tomllib.TOMLDecodeError as error:
        raise AgencyConfigError(f"{path.name}: not valid TOML ({error})") from error
    return parse_agencies(doc, office_ids, path.name)


def make_transport(agency: Agency) -> Transport:
    """The transport that delivers to `agency`."""
    if agency.transport == "https":
        assert agency.url is not None
        return HttpsTransport(agency.url, agency.secrets, agency.timeout_s, ssl_context=agency.tls)
    assert agency.path is not None
    return DirectoryTransport(agency.path)
