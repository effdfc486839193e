"""The agencies file: the embedded default covers the real policy data; every error says where."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.handoff.agencies import (
    DEFAULT_PATH,
    AgencyConfigError,
    load_agencies,
    make_transport,
)
from bot.handoff.transports import DirectoryTransport, HttpsTransport
from flows.policy.loader import load_policy_data

OFFICES = ("district_hrss", "district_tax")

HTTPS = """
[[agency]]
id = "pudong_hrss"
name = { zh = "浦东新区人社局", en = "Pudong HR&SS Bureau" }
offices = ["district_hrss"]
transport = "https"
url = "https://inbox.example.gov.cn/bundles"
secrets = ["new-secret", "old-secret"]
timeout_s = 12.5
staff_chat_id = -1001234567890
staff_user_ids = [111, 222]
"""

DIRECTORY = """
[[agency]]
id = "tax"
name = { zh = "税务局", en = "Tax bureau" }
offices = ["district_tax"]
transport = "directory"
path = "inbox/tax"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "agencies.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_default_file_covers_every_office_of_the_real_policy_data():
    offices = [office.id for office in load_policy_data().offices]
    agencies = load_agencies(None, offices)
    assert {agency.id for agency in agencies} == set(offices)
    for office in offices:
        agency = agencies.for_office(office)
        assert agency.transport == "directory" and agency.staff_chat_id is None
        assert agency.path == Path.cwd() / "var" / "agency-inbox" / agency.id
        assert isinstance(make_transport(agency), DirectoryTransport)
    assert load_agencies(DEFAULT_PATH, offices) == agencies


def test_a_full_file_loads(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    agencies = load_agencies(write(tmp_path, HTTPS + DIRECTORY), OFFICES)
    pudong = agencies.for_office("district_hrss")
    assert agencies.get("pudong_hrss") is pudong and agencies.get("nobody") is None
    assert [a.id for a in agencies.all()] == ["pudong_hrss", "tax"] == [a.id for a in agencies]
    assert (
        pudong.name.zh == "浦东新区人社局" and pudong.url == "https://inbox.example.gov.cn/bundles"
    )
    assert pudong.secrets == ("new-secret", "old-secret") and pudong.timeout_s == 12.5
    assert pudong.staff_chat_id == -1001234567890 and pudong.staff_user_ids == (111, 222)
    assert "new-secret" not in repr(pudong)
    transport = make_transport(pudong)
    assert isinstance(transport, HttpsTransport) and transport.url == pudong.url
    tax = agencies.get("tax")
    assert tax is not None and tax.path == tmp_path / "inbox" / "tax"
    assert isinstance(make_transport(tax), DirectoryTransport)
    with pytest.raises(KeyError):
        agencies.for_office("district_amr")


def test_https_timeout_defaults_to_30_seconds(tmp_path):
    text = HTTPS.replace("timeout_s = 12.5\n", "") + DIRECTORY
    assert load_agencies(write(tmp_path, text), OFFICES).for_office("district_hrss").timeout_s == 30


def test_an_agency_takes_bundle_version_2_unless_it_sets_1(tmp_path):
    text = HTTPS + DIRECTORY + "bundle_version = 1\n"
    agencies = load_agencies(write(tmp_path, text), OFFICES)
    assert agencies.for_office("district_hrss").bundle_version == 2
    assert agencies.for_office("district_tax").bundle_version == 1
    text = HTTPS.replace("timeout_s", "bundle_version = 1\ntimeout_s") + DIRECTORY
    assert load_agencies(write(tmp_path, text), OFFICES).get("pudong_hrss").bundle_version == 1  # type: ignore[union-attr]


def test_absolute_directory_paths_stay(tmp_path):
    text = HTTPS + DIRECTORY.replace('"inbox/tax"', f'"{tmp_path}/abs"')
    tax = load_agencies(write(tmp_path, text), OFFICES).get("tax")
    assert tax is not None and tax.path == tmp_path / "abs"


def edit(old: str, new: str, doc: str = HTTPS) -> str:
    assert old in doc
    return doc.replace(old, new) + DIRECTORY


P = "agencies.toml: agency 'pudong_hrss': field"
CASES = {
    "no url": (edit('url = "https://inbox.example.gov.cn/bundles"\n', ""),
               f"{P} 'url': required for transport \"https\""),
    "ftp url": (edit("https://inbox", "ftp://inbox"), f"{P} 'url': expected an http://"),
    "no host": (edit("https://inbox.example.gov.cn/bundles", "https:///x"), f"{P} 'url'"),
    "no secrets": (edit('secrets = ["new-secret", "old-secret"]\n', ""),
                   f"{P} 'secrets': required for transport \"https\""),
    "three secrets": (edit('"old-secret"]', '"old-secret", "x"]'), f"{P} 'secrets': expected 1 or 2"),
    "empty secrets": (edit('["new-secret", "old-secret"]', "[]"), f"{P} 'secrets': expected a non-empty"),
    "blank secret": (edit('"old-secret"]', '" "]'), f"{P} 'secrets'"),
    "secret not string": (edit('"old-secret"]', "42]"), f"{P} 'secrets': expected a list of strings"),
    "timeout string": (edit("12.5", '"12"'), f"{P} 'timeout_s': expected a number"),
    "timeout zero": (edit("12.5", "0"), f"{P} 'timeout_s'"),
    "path on https": (edit("timeout_s", 'path = "x"\ntimeout_s'), f"{P} 'path': only for transport \"directory\""),
    "unknown key": (edit("timeout_s", "colour = 1\ntimeout_s"), f"{P} 'colour': unknown field"),
    "bad transport": (edit('"https"', '"ftp"'), f"{P} 'transport': expected \"https\" or \"directory\""),
    "name missing en": (edit(', en = "Pudong HR&SS Bureau"', ""), f"{P} 'name'"),
    "name extra lang": (edit(' }', ', fr = "x" }'), f"{P} 'name'"),
    "name string": (edit('{ zh = "浦东新区人社局", en = "Pudong HR&SS Bureau" }', '"x"'), f"{P} 'name': expected a table"),
    "unknown office": (edit('["district_hrss"]', '["district_hrss", "moon_office"]'),
                       f"{P} 'offices': unknown office 'moon_office'"),
    "office twice": (edit('["district_hrss"]', '["district_hrss", "district_hrss"]'), f"{P} 'offices': lists an office twice"),
    "no offices": (edit('offices = ["district_hrss"]\n', ""), f"{P} 'offices': required"),
    "chat without users": (edit("staff_user_ids = [111, 222]\n", ""),
                           f"{P} 'staff_user_ids': required when staff_chat_id is set"),
    "chat with no users": (edit("[111, 222]", "[]"), f"{P} 'staff_user_ids': expected a non-empty"),
    "users not ints": (edit("[111, 222]", '["111"]'), f"{P} 'staff_user_ids': expected a list of integer"),
    "chat id string": (edit("-1001234567890", '"-100"'), f"{P} 'staff_chat_id': expected an integer"),
    "chat id bool": (edit("-1001234567890", "true"), f"{P} 'staff_chat_id': expected an integer"),
    "users without chat": (edit("staff_chat_id = -1001234567890\n", ""),
                           f"{P} 'staff_user_ids': only together with staff_chat_id"),
    "bad id": (edit('id = "pudong_hrss"', 'id = "浦东"'), "agencies.toml: agency '浦东': field 'id': expected lowercase ascii"),
    "no id": (edit('id = "pudong_hrss"\n', ""), "agencies.toml: agency #1: field 'id': required"),
    "id not string": (edit('id = "pudong_hrss"', "id = 7"), "agencies.toml: agency #1: field 'id': expected a string"),
    "duplicate id": (HTTPS + DIRECTORY.replace('"tax"', '"pudong_hrss"'),
                     "agencies.toml: agency 'pudong_hrss': field 'id': duplicate agency id"),
    "office in two agencies": (HTTPS + DIRECTORY.replace('["district_tax"]', '["district_tax", "district_hrss"]'),
                               "agencies.toml: agency 'tax': field 'offices': office 'district_hrss' already belongs to 'pudong_hrss'"),
    "uncovered office": (HTTPS, "agencies.toml: offices not covered by any agency: district_tax"),
    "directory without path": (HTTPS + DIRECTORY.replace('path = "inbox/tax"\n', ""),
                               "agencies.toml: agency 'tax': field 'path': required for transport \"directory\""),
    "url on directory": (HTTPS + DIRECTORY + 'url = "https://x"\n',
                         "agencies.toml: agency 'tax': field 'url': only for transport \"https\""),
    "secrets on directory": (HTTPS + DIRECTORY + 'secrets = ["x"]\n',
                             "agencies.toml: agency 'tax': field 'secrets': only for transport \"https\""),
    "no agencies": ("", "agencies.toml: agency: expected at least one [[agency]] table"),
    "unknown section": ("[office]\nid = 1\n" + HTTPS + DIRECTORY, "agencies.toml: office: unknown section"),
    "agency not array": ('agency = "x"\n', "agencies.toml: agency: expected at least one"),
    "bundle version 3": (edit("timeout_s", "bundle_version = 3\ntimeout_s"), f"{P} 'bundle_version': expected 1 or 2, got 3"),
    "bundle version string": (edit("timeout_s", 'bundle_version = "2"\ntimeout_s'), f"{P} 'bundle_version': expected an integer"),
}  # fmt: skip


@pytest.mark.parametrize(("text", "message"), list(CASES.values()), ids=list(CASES))
def test_each_error_names_the_entry_and_the_field(tmp_path, text, message):
    with pytest.raises(AgencyConfigError) as raised:
        load_agencies(write(tmp_path, text), OFFICES)
    assert str(raised.value).startswith(message), str(raised.value)


def test_an_unreadable_or_invalid_file_is_named(tmp_path):
    with pytest.raises(AgencyConfigError, match="cannot read the agencies file"):
        load_agencies(tmp_path / "missing.toml", OFFICES)
    with pytest.raises(AgencyConfigError, match=r"agencies\.toml: not valid TOML"):
        load_agencies(write(tmp_path, "[[agency]\n"), OFFICES)


def test_a_misconfigured_file_stops_start_up_naming_entry_and_field(tmp_path, monkeypatch, capsys):
    from bot.__main__ import main

    bad = tmp_path / "agencies.toml"
    bad.write_text('[[agency]]\nid = "pudong_hrss"\n', encoding="utf-8")
    monkeypatch.setenv("AGENCIES_FILE", str(bad))
    assert main(["check"]) == 2
    error = capsys.readouterr().err
    assert "agencies.toml: agency 'pudong_hrss': field 'name': required" in error
    assert "Traceback" not in error


def test_a_slow_agency_is_not_taken_over_by_another_worker_mid_delivery(tmp_path):
    quick = load_agencies(write(tmp_path, HTTPS + DIRECTORY), OFFICES)
    assert quick.takeover_after_ms() == 60_000
    slow = load_agencies(write(tmp_path, HTTPS.replace("12.5", "600") + DIRECTORY), OFFICES)
    assert slow.takeover_after_ms() == 630_000
