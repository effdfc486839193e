"""Delivery over real TLS on loopback, with a CA made here: the agency's own CA bundle, mutual
TLS, a server the system store does not trust, and the checks on the agencies file."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from handoff_bundles import deliver_once, make_bundle
from pki import PKI, make_pki

from bot.__main__ import main
from bot.handoff.agencies import AgencyConfigError, load_agencies, make_transport
from bot.handoff.receiver import run_receiver
from bot.handoff.tls import client_context, server_context
from bot.handoff.transports import HttpsTransport
from bot.handoff.types import DeliveryFailed

OFFICES = ("district_hrss",)
AGENCY = """
[[agency]]
id = "pudong_hrss"
name = { zh = "浦东新区人社局", en = "Pudong HR&SS Bureau" }
offices = ["district_hrss"]
transport = "https"
url = "URL"
secrets = ["s"]
"""


@pytest.fixture
def pki(tmp_path: Path) -> PKI:
    folder = tmp_path / "pki"
    folder.mkdir()
    return make_pki(folder)


@asynccontextmanager
async def tls_receiver(pki: PKI, inbox: Path, *, mutual: bool = False) -> AsyncIterator[str]:
    """The reference receiver (`run_receiver`) over HTTPS on 127.0.0.1; yields its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    context = server_context(pki.server_cert, pki.server_key, pki.ca if mutual else None)
    server = asyncio.create_task(run_receiver("127.0.0.1", port, ["s"], inbox, None, context))
    try:
        for _ in range(100):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                await writer.wait_closed()
                break
            except OSError:
                await asyncio.sleep(0.05)
        else:
            pytest.fail("the TLS receiver did not start")
        yield f"https://127.0.0.1:{port}/bundles"
    finally:
        server.cancel()
        with pytest.raises(asyncio.CancelledError):
            await server


def write_agency(tmp_path: Path, url: str, extra: str = "") -> Path:
    path = tmp_path / "agencies.toml"
    path.write_text(AGENCY.replace("URL", url) + extra, encoding="utf-8")
    return path


async def test_a_bundle_arrives_over_tls_trusting_the_agencys_own_ca(tmp_path, pki):
    inbox = tmp_path / "inbox"
    async with tls_receiver(pki, inbox) as url:
        agency = load_agencies(
            write_agency(tmp_path, url, f'ca_file = "{pki.ca}"\n'), OFFICES
        ).for_office("district_hrss")
        transport = make_transport(agency)
        assert isinstance(transport, HttpsTransport)
        await deliver_once(transport, make_bundle())
        localhost = url.replace("127.0.0.1", "localhost")  # the DNS name is in the SAN too
        await deliver_once(
            HttpsTransport(localhost, ["s"], 5, ssl_context=agency.tls), make_bundle("SUB-2")
        )
    assert sorted(os.listdir(inbox)) == ["SUB-2", "SUB-20261128-7Q4K9M"]
    assert (inbox / "SUB-20261128-7Q4K9M" / "application.pdf").read_bytes() == make_bundle().pdf


async def test_a_server_the_system_store_does_not_trust_is_refused(tmp_path, pki):
    inbox = tmp_path / "inbox"
    async with tls_receiver(pki, inbox) as url:
        with pytest.raises(DeliveryFailed) as raised:
            await deliver_once(HttpsTransport(url, ["s"], timeout_s=5), make_bundle())
    assert "127.0.0.1" in raised.value.reason and "Certificate" in raised.value.reason
    assert not inbox.exists() or os.listdir(inbox) == []


async def test_mutual_tls_needs_the_client_certificate(tmp_path, pki):
    inbox = tmp_path / "inbox"
    async with tls_receiver(pki, inbox, mutual=True) as url:
        without = HttpsTransport(url, ["s"], 5, ssl_context=client_context(pki.ca))
        with pytest.raises(DeliveryFailed):
            await deliver_once(without, make_bundle())
        assert not inbox.exists() or os.listdir(inbox) == []
        extra = (
            f'ca_file = "{pki.ca}"\nclient_cert = "{pki.client_cert}"\n'
            f'client_key = "{pki.client_key}"\n'
        )
        agency = load_agencies(write_agency(tmp_path, url, extra), OFFICES).get("pudong_hrss")
        assert agency is not None
        transport = make_transport(agency)
        assert isinstance(transport, HttpsTransport)
        await deliver_once(transport, make_bundle())
    assert os.listdir(inbox) == ["SUB-20261128-7Q4K9M"]


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8090/bundles", "http://127.8.9.10/b", "http://localhost:8090/bundles",
     "http://[::1]:8090/bundles", "https://inbox.example.gov.cn/bundles"],
)  # fmt: skip
def test_https_or_a_loopback_host_is_allowed(tmp_path, url):
    agency = load_agencies(write_agency(tmp_path, url), OFFICES).for_office("district_hrss")
    assert agency.url == url and agency.tls is None
    assert isinstance(make_transport(agency), HttpsTransport)


P = "agencies.toml: agency 'pudong_hrss': field"


def refused(tmp_path: Path, url: str, extra: str = "") -> str:
    with pytest.raises(AgencyConfigError) as raised:
        load_agencies(write_agency(tmp_path, url, extra), OFFICES)
    message = str(raised.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    "host", ["inbox.example.gov.cn", "10.0.0.5", "[2001:db8::1]", "127.0.0.1.nip.io"]
)
def test_plain_http_to_any_other_host_is_refused(tmp_path, host):
    message = refused(tmp_path, f"http://{host}/bundles")
    assert message.startswith(f"{P} 'url': https:// required"), message
    assert "full ID numbers would travel unencrypted" in message
    with pytest.raises(ValueError, match="https:// required"):
        HttpsTransport(f"http://{host}/bundles", ["s"])


def test_each_tls_file_must_exist_load_and_come_with_its_pair(tmp_path, pki):
    https = "https://inbox.example.gov.cn/bundles"
    missing = refused(tmp_path, https, f'ca_file = "{tmp_path}/nowhere.pem"\n')
    assert missing.startswith(f"{P} 'ca_file': cannot read"), missing
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    assert refused(tmp_path, https, f'ca_file = "{garbage}"\n').startswith(f"{P} 'ca_file'")
    lone_cert = f'client_cert = "{pki.client_cert}"\n'
    assert refused(tmp_path, https, lone_cert).startswith(f"{P} 'client_key': client_cert and")
    lone_key = f'client_key = "{pki.client_key}"\n'
    assert refused(tmp_path, https, lone_key).startswith(f"{P} 'client_cert': client_cert and")
    swapped = f'client_cert = "{pki.client_key}"\nclient_key = "{pki.client_key}"\n'
    assert refused(tmp_path, https, swapped).startswith(f"{P} 'client_cert'")
    mismatched = f'client_cert = "{pki.client_cert}"\nclient_key = "{pki.server_key}"\n'
    assert refused(tmp_path, https, mismatched).startswith(f"{P} 'client_key': does not match")
    on_http = refused(tmp_path, "http://127.0.0.1/b", f'ca_file = "{pki.ca}"\n')
    assert on_http.startswith(f"{P} 'ca_file': only for an https:// url"), on_http


def test_agency_inbox_refuses_bad_tls_flags_in_one_line(tmp_path, pki, capsys):
    base = ["agency-inbox", "--secret", "s", "--folder", str(tmp_path)]
    assert main([*base, "--tls-cert", str(pki.server_cert)]) == 2
    assert "--tls-cert and --tls-key together" in capsys.readouterr().err
    flags = ["--tls-cert", str(pki.server_cert), "--tls-key", str(tmp_path / "none.key")]
    assert main([*base, *flags]) == 2
    error = capsys.readouterr().err
    assert (
        error.startswith("configuration error: --tls-key: cannot read") and error.count("\n") == 1
    )
