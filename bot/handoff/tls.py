"""TLS for the hand-off: which plain-http hosts are allowed (loopback only), and the SSL
contexts built from PEM files, checked at start-up so a bad file stops it with one line.

Verification is never turned off: a client context always checks the server's certificate
and host name, against the system store or the agency's own CA bundle.
"""

from __future__ import annotations

import ipaddress
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key


class TLSFileError(ValueError):
    """A PEM file is missing or does not load; `field` names the setting that gave it."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field, self.problem = field, problem


def is_loopback(host: str) -> bool:
    """Whether `host` is `localhost` or a loopback address (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _read(path: Path, field: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise TLSFileError(field, f"cannot read {path} ({error.strerror or error})") from error


def _check_certificates(path: Path, field: str) -> None:
    pem = _read(path, field)  # a TLSFileError is a ValueError too: read outside the try
    try:
        x509.load_pem_x509_certificates(pem)
    except ValueError as error:
        raise TLSFileError(field, f"{path} holds no PEM certificate") from error


def _check_key(path: Path, field: str) -> None:
    # Checked here first: ssl would prompt on the terminal for an encrypted key's password.
    pem = _read(path, field)
    try:
        load_pem_private_key(pem, password=None)
    except TypeError as error:
        raise TLSFileError(field, f"{path} is encrypted (give an unencrypted key)") from error
    except ValueError as error:
        raise TLSFileError(field, f"{path} holds no PEM private key") from error


def _load_chain(context: ssl.SSLContext, cert: Path, key: Path, fields: tuple[str, str]) -> None:
    _check_certificates(cert, fields[0])
    _check_key(key, fields[1])
    try:
        context.load_cert_chain(cert, key)
    except ssl.SSLError as error:
        raise TLSFileError(fields[1], f"does not match {fields[0]} ({error.reason})") from error


def _trust(context: ssl.SSLContext, ca_file: Path, field: str) -> None:
    _check_certificates(ca_file, field)
    try:
        context.load_verify_locations(cafile=ca_file)
    except ssl.SSLError as error:
        raise TLSFileError(field, f"{ca_file} does not load ({error.reason})") from error


def client_context(
    ca_file: Path | None = None, client_cert: Path | None = None, client_key: Path | None = None
) -> ssl.SSLContext:
    """A verifying client context: trusting `ca_file` instead of the system store when given,
    presenting `client_cert`/`client_key` (both or neither) for mutual TLS."""
    if (client_cert is None) != (client_key is None):
        missing = "client_key" if client_key is None else "client_cert"
        raise TLSFileError(missing, "client_cert and client_key go together (mutual TLS)")
    if ca_file is None:
        context = ssl.create_default_context()
    else:
        _check_certificates(ca_file, "ca_file")
        try:  # only this bundle is trusted, not the system store
            context = ssl.create_default_context(cafile=ca_file)
        except ssl.SSLError as error:
            raise TLSFileError("ca_file", f"{ca_file} does not load ({error.reason})") from error
    if client_cert is not None and client_key is not None:
        _load_chain(context, client_cert, client_key, ("client_cert", "client_key"))
    return context


def server_context(cert: Path, key: Path, client_ca: Path | None = None) -> ssl.SSLContext:
    """The reference receiver's context; with `client_ca`, a client certificate it signed is
    required (mutual TLS)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    _load_chain(context, cert, key, ("--tls-cert", "--tls-key"))
    if client_ca is not None:
        _trust(context, client_ca, "--client-ca")
        context.verify_mode = ssl.CERT_REQUIRED
    return context
