"""Policy data: the packaged file, the queries on it, and strict validation of bad files."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from flows.engine.errors import PolicyDataError
from flows.policy.citing import quoted_amount
from flows.policy.loader import (
    BUSINESS_FORMS,
    DEFAULT_PATH,
    DISTRICT_CODES,
    GROUPS,
    INDUSTRY_CODES,
    PREMISES,
    PROFILE_FIELDS,
    SIZES,
    Condition,
    PolicyData,
    load_policy_data,
    parse_policy_data,
)
from flows.policy.schema import quotable

SECTIONS = (
    "link",
    "office",
    "policy",
    "sme_industry",
    "registration_step",
    "registration_material",
)


@pytest.fixture(scope="module")
def data() -> PolicyData:
    return load_policy_data()


@pytest.fixture(scope="module")
def raw() -> dict[str, object]:
    with DEFAULT_PATH.open("rb") as file:
        return tomllib.load(file)


def ids(policies: object) -> set[str]:
    assert isinstance(policies, list)
    return {policy.id for policy in policies}


# --- the packaged file ----------------------------------------------------------------------


def test_packaged_file_loads(data: PolicyData) -> None:
    assert load_policy_data(DEFAULT_PATH) == data
    assert len(data.policies) >= 12 and data.steps and data.materials
    assert [i.code for i in data.industries] == list(INDUSTRY_CODES)


def test_every_entry_has_source_date_and_confidence(raw: dict[str, object]) -> None:
    for section in SECTIONS:
        entries = raw[section]
        assert isinstance(entries, list) and entries
        for entry in entries:
            assert entry["source"].strip(), entry
            dates = [entry.get(k) for k in ("verified_on", "transcribed_on")]
            assert [type(d).__name__ for d in dates if d is not None] == ["date"], entry
            assert entry["confidence"] in ("A", "B", "C"), entry


def test_only_checked_grade_a_or_b_entries_quote_a_figure(data: PolicyData) -> None:
    for policy in data.policies:
        shown = quoted_amount(policy)
        if quotable(policy) and policy.amount is not None:
            source = shown.params["source"]
            assert source.msgid == policy.source or source.params["articles"], policy.id
            assert shown.params["date"].msgid == str(policy.verified_on), policy.id
        else:
            assert shown.msgid == "" and shown.literal, policy.id  # nothing to quote


def test_summaries_state_no_amount_or_deadline(data: PolicyData) -> None:
    figure = re.compile(
        r"\d[\d,.]*\s*(万|元|%|％|个?月|年|天|CNY|yuan|percent|months?|years?|days?)"
    )
    for policy in data.policies:
        for text in (policy.title.zh, policy.title.en, policy.summary.zh, policy.summary.en):
            assert not figure.search(text), (policy.id, text)


def test_every_policy_cites_an_article_of_the_regulations(data: PolicyData) -> None:
    for policy in data.policies:
        assert policy.articles and all(1 <= n <= 66 for n in policy.articles), policy.id


def test_required_policies_are_present(data: PolicyData) -> None:
    expected = {
        "startup_subsidy": 38,
        "rent_subsidy": 36,
        "startup_loan": 37,
        "social_insurance_subsidy": 38,
        "key_group_tax_relief": 38,
        "makerspace_address": 34,
        "incubator_premises": 35,
        "startup_guidance": 33,
        "service_commissioner": 11,
        "enterprise_service_cloud": 59,
        "legal_help": 60,
        "financing_services": 28,
    }
    for policy_id, article in expected.items():
        assert article in data.policy(policy_id).articles, policy_id


def test_district_codes_match_the_districts_module() -> None:
    districts = pytest.importorskip("flows.engine.districts")
    assert DISTRICT_CODES == tuple(d.code for d in districts.DISTRICTS)


def test_profile_fields_use_the_exported_codes() -> None:
    assert PROFILE_FIELDS["business_form"][1] == BUSINESS_FORMS
    assert PROFILE_FIELDS["size"][1] == SIZES
    assert PROFILE_FIELDS["premises"][1] == PREMISES
    assert PROFILE_FIELDS["groups"] == ("codes", GROUPS)
    assert PROFILE_FIELDS["staff"][0] == "count"


# --- queries --------------------------------------------------------------------------------


def test_graduate_without_premises(data: PolicyData) -> None:
    found = ids(
        data.policies_for(
            {
                "groups": ["graduate"],
                "premises": "none",
                "industry": "software_it",
                "size": "micro",
                "business_form": "llc",
            }
        )
    )
    assert {"startup_subsidy", "makerspace_address", "key_group_tax_relief"} <= found
    assert "rent_subsidy" not in found


def test_profile_without_groups_gets_no_group_policy(data: PolicyData) -> None:
    for profile in (
        {"premises": "none", "industry": "retail", "business_form": "llc"},
        {"premises": "none", "groups": [], "industry": "retail", "business_form": "llc"},
        {"premises": "none", "groups": None, "industry": "retail", "business_form": "llc"},
    ):
        found = ids(data.policies_for(profile))
        assert not found & {"startup_subsidy", "key_group_tax_relief"}, profile
        assert "makerspace_address" in found


def test_rent_subsidy_needs_leased_premises_and_a_known_small_size(data: PolicyData) -> None:
    llc = {"premises": "leased", "business_form": "llc"}
    assert "rent_subsidy" in ids(data.policies_for(llc | {"size": "micro"}))
    assert "rent_subsidy" not in ids(
        data.policies_for(llc | {"size": "micro", "business_form": "individual"})
    )
    assert "rent_subsidy" not in ids(data.policies_for({"premises": "leased"}))
    assert "rent_subsidy" not in ids(data.policies_for({"premises": "leased", "size": "medium"}))


def test_empty_profile_gets_only_unconditional_entries(data: PolicyData) -> None:
    found = data.policies_for({})
    assert found and all(not policy.qualifies for policy in found)


def test_checklist_for_a_company_in_leased_premises(data: PolicyData) -> None:
    items = data.checklist_for({"business_form": "llc", "premises": "leased", "industry": "retail"})
    found = [item.id for item in items]
    assert {
        "apply_yct",
        "same_day",
        "annual_report",
        "articles_of_association",
        "domicile_lease",
        "business_scope",
    } <= set(found)
    assert not {"partnership_agreement", "domicile_owned", "domicile_centralised"} & set(found)
    kinds = [item.kind for item in items]
    assert kinds == sorted(kinds, key=("step", "material", "permit").index)


def test_checklist_for_a_partnership_without_premises(data: PolicyData) -> None:
    found = {
        item.id
        for item in data.checklist_for(
            {"business_form": "partnership", "premises": "none", "industry": "software_it"}
        )
    }
    assert {"partnership_agreement", "domicile_centralised"} <= found
    assert "articles_of_association" not in found


def test_checklist_links_and_citations(data: PolicyData) -> None:
    steps = {item.id: item for item in data.steps}
    assert data.link(steps["apply_yct"].link or "").url == "https://yct.sh.gov.cn"
    assert data.link(steps["apply_one_netcom"].link or "").url == "https://zwdt.sh.gov.cn"
    assert "31" in steps["same_day"].cite.en
    assert "企业信息公示暂行条例" in steps["annual_report"].cite.zh


def test_office_names(data: PolicyData) -> None:
    hrss = data.office("district_hrss")
    assert hrss.name_for("zh_CN", "浦东新区") == "浦东新区人力资源和社会保障局"
    assert hrss.name_for("en", "Pudong New Area") == "Pudong New Area HR&SS Bureau"
    assert hrss.name_for("en", None) == "District HR&SS Bureau"
    cloud = data.office("enterprise_service_cloud")
    assert cloud.name_for("zh", "浦东新区") == "上海市企业服务云"
    assert (
        data.office("district_employment_center").name_for("zh", "黄浦区") == "黄浦区就业促进中心"
    )


def test_lookups(data: PolicyData) -> None:
    assert data.link("hotline_12345").url == "tel:12345"
    assert data.industry("retail").metrics == ("staff", "revenue")
    for lookup in (data.office, data.link, data.industry, data.policy):
        with pytest.raises(KeyError):
            lookup("nope")


@pytest.mark.parametrize(
    ("condition", "profile", "holds"),
    [
        (Condition("size", "in", ("micro",)), {"size": "micro"}, True),
        (Condition("size", "in", ("micro",)), {"size": "small"}, False),
        (Condition("size", "in", ("micro",)), {}, False),
        (Condition("size", "not_in", ("large",)), {"size": "small"}, True),
        (Condition("size", "not_in", ("large",)), {}, False),
        (Condition("groups", "any_of", ("veteran",)), {"groups": ["graduate", "veteran"]}, True),
        (Condition("groups", "any_of", ("veteran",)), {"groups": "veteran"}, False),
        (Condition("staff", "min", bound=1), {"staff": 1}, True),
        (Condition("staff", "min", bound=1), {"staff": 0}, False),
        (Condition("staff", "min", bound=1), {"staff": True}, False),
        (Condition("staff", "max", bound=9), {"staff": 9}, True),
        (Condition("staff", "max", bound=9), {"staff": "3"}, False),
    ],
)
def test_condition_holds(condition: Condition, profile: dict[str, object], holds: bool) -> None:
    assert condition.holds(profile) is holds


# --- invalid files --------------------------------------------------------------------------

PROVENANCE = 'source = "Regulations Art. 36"\nverified_on = 2026-01-01\nconfidence = "A"\n'


def industry_table(code: str) -> str:
    return (
        f'[[sme_industry]]\ncode = "{code}"\nname = {{ zh = "行业", en = "trade" }}\n'
        f'metrics = ["staff"]\nmedium = {{ staff = 100 }}\nsmall = {{ staff = 10 }}\n'
        f"ceiling = {{ staff = 300 }}\n{PROVENANCE}"
    )


INDUSTRIES = "".join(industry_table(code) for code in INDUSTRY_CODES)
BASE = f"""schema = 1
[meta]
title = "test"
note = "small valid file"
[[link]]
id = "portal"
title = {{ zh = "门户", en = "portal" }}
url = "https://example.gov.cn"
{PROVENANCE}[[office]]
id = "hrss"
kind = "district"
name = {{ zh = "区人社局", en = "district HR&SS Bureau" }}
name_template = {{ zh = "{{district}}人社局", en = "{{district}} HR&SS Bureau" }}
{PROVENANCE}[[policy]]
id = "rent_subsidy"
title = {{ zh = "房租补贴", en = "rent subsidy" }}
summary = {{ zh = "向区人社局申请。", en = "Apply to the district HR&SS Bureau." }}
articles = [36]
kind = "policy"
office = "hrss"
link = "portal"
qualifies = [{{ field = "premises", in = ["leased"] }}]
{PROVENANCE}[[registration_step]]
id = "apply"
text = {{ zh = "在线申请。", en = "Apply online." }}
applies = []
cite = {{ zh = "《条例》第34条", en = "the Regulations, Art. 34" }}
link = "portal"
{PROVENANCE}[[registration_material]]
id = "lease"
text = {{ zh = "租赁合同。", en = "Lease contract." }}
applies = [{{ field = "premises", in = ["leased"] }}]
cite = {{ zh = "《条例》第34条", en = "the Regulations, Art. 34" }}
{PROVENANCE}{INDUSTRIES}"""

POLICY = "policy 'rent_subsidy'"
BAD: list[tuple[str, str, str]] = [
    # (replace this, with this, error message contains)
    (
        'office = "hrss"\nlink',
        'office = "foo"\nlink',
        "policy 'rent_subsidy': field 'office': unknown office 'foo'",
    ),
    (
        'link = "portal"\nqualifies',
        'link = "nowhere"\nqualifies',
        f"{POLICY}: field 'link': unknown link 'nowhere'",
    ),
    (
        'qualifies = [{ field = "premises", in = ["leased"] }]\n',
        'qualifies = [{ field = "premises", in = ["leased"] }]\ncolour = "red"\n',
        f"{POLICY}: field 'colour': unknown key",
    ),
    (
        'summary = { zh = "向区人社局申请。", en = "Apply to the district HR&SS Bureau." }\n',
        "",
        f"{POLICY}: field 'summary': missing",
    ),
    (
        'summary = { zh = "向区人社局申请。", en',
        'summary = { fr = "x", en',
        f"{POLICY}: field 'summary'",
    ),
    ("articles = [36]", 'articles = "36"', f"{POLICY}: field 'articles'"),
    ("articles = [36]", "articles = [67]", f"{POLICY}: field 'articles': article 67"),
    ("articles = [36]", "articles = []", f"{POLICY}: field 'articles'"),
    ('kind = "policy"', 'kind = "perk"', f"{POLICY}: field 'kind'"),
    ('kind = "policy"', 'kind = "policy"\nscope = "everyone"', f"{POLICY}: field 'scope'"),
    ('kind = "policy"', 'kind = "policy"\namount = "3000"', f"{POLICY}: field 'amount'"),
    (
        'qualifies = [{ field = "premises", in = ["leased"] }]\nsource = "Regulations Art. 36"\nverified_on = 2026-01-01\n',
        'qualifies = [{ field = "premises", in = ["leased"] }]\nsource = "Regulations Art. 36"\nverified_on = 2026-01-01\ntranscribed_on = 2026-01-01\n',
        f"{POLICY}: field 'verified_on': give verified_on",
    ),
    (
        'qualifies = [{ field = "premises", in = ["leased"] }]\nsource = "Regulations Art. 36"\nverified_on = 2026-01-01\n',
        'qualifies = [{ field = "premises", in = ["leased"] }]\nsource = "Regulations Art. 36"\n',
        f"{POLICY}: field 'verified_on': give verified_on",
    ),
    (
        'qualifies = [{ field = "premises", in = ["leased"] }]',
        'qualifies = [{ field = "age", min = 18 }]',
        f"{POLICY}: field 'qualifies[0]': unknown profile field 'age'",
    ),
    (
        'qualifies = [{ field = "premises", in = ["leased"] }]',
        'qualifies = [{ field = "premises", like = ["leased"] }]',
        f"{POLICY}: field 'qualifies[0]': unknown operator 'like'",
    ),
    (
        'qualifies = [{ field = "premises", in = ["leased"] }]',
        'qualifies = [{ field = "groups", in = ["graduate"] }]',
        f"{POLICY}: field 'qualifies[0]': operator 'in' does not apply to 'groups'; use any_of",
    ),
    (
        'qualifies = [{ field = "premises", in = ["leased"] }]',
        'qualifies = [{ field = "groups", any_of = ["astronaut"] }]',
        f"{POLICY}: field 'qualifies[0]': unknown groups code 'astronaut'",
    ),
    (
        'qualifies = [{ field = "premises", in = ["leased"] }]',
        'qualifies = [{ field = "staff", min = -1 }]',
        f"{POLICY}: field 'qualifies[0]'",
    ),
    (
        'qualifies = [{ field = "premises", in = ["leased"] }]',
        'qualifies = [{ field = "premises", in = ["leased"], not_in = ["none"] }]',
        f"{POLICY}: field 'qualifies[0]'",
    ),
    (
        'qualifies = [{ field = "premises", in = ["leased"] }]\n',
        "",
        f"{POLICY}: field 'qualifies': missing",
    ),
    (
        'qualifies = [{ field = "premises", in = ["leased"] }]\nsource = "Regulations Art. 36"\nverified_on = 2026-01-01',
        'qualifies = [{ field = "premises", in = ["leased"] }]\nsource = "Regulations Art. 36"\nverified_on = "2026-01-01"',
        f"{POLICY}: field 'verified_on'",
    ),
    (
        'qualifies = [{ field = "premises", in = ["leased"] }]\nsource = "Regulations Art. 36"\nverified_on = 2026-01-01',
        'qualifies = [{ field = "premises", in = ["leased"] }]\nsource = "Regulations Art. 36"\nverified_on = 2026-01-01T10:00:00',
        f"{POLICY}: field 'verified_on'",
    ),
    (
        'qualifies = [{ field = "premises", in = ["leased"] }]\nsource = "Regulations Art. 36"\nverified_on = 2026-01-01',
        'qualifies = [{ field = "premises", in = ["leased"] }]\nsource = "Regulations Art. 36"\nverified_on = 2999-01-01',
        f"{POLICY}: field 'verified_on': 2999-01-01 is in the future",
    ),
    (
        'qualifies = [{ field = "premises", in = ["leased"] }]\nsource = "Regulations Art. 36"\n',
        'qualifies = [{ field = "premises", in = ["leased"] }]\nsource = " "\n',
        f"{POLICY}: field 'source'",
    ),
    (
        'qualifies = [{ field = "premises", in = ["leased"] }]\nsource = "Regulations Art. 36"\nverified_on = 2026-01-01\nconfidence = "A"',
        'qualifies = [{ field = "premises", in = ["leased"] }]\nsource = "Regulations Art. 36"\nverified_on = 2026-01-01\nconfidence = "D"',
        f"{POLICY}: field 'confidence'",
    ),
    ('id = "rent_subsidy"', 'id = "房租"', "policy '房租': field 'id'"),
    ('id = "rent_subsidy"\n', "", "policy #1: field 'id': missing"),
    (
        'url = "https://example.gov.cn"',
        'url = "http://example.gov.cn"',
        "link 'portal': field 'url'",
    ),
    (
        "[[office]]",
        (
            '[[link]]\nid = "portal"\ntitle = { zh = "门户", en = "portal" }\n'
            f'url = "tel:12345"\n{PROVENANCE}[[office]]'
        ),
        "link 'portal': field 'id': duplicate id",
    ),
    (
        'name_template = { zh = "{district}人社局", en = "{district} HR&SS Bureau" }\n',
        "",
        "office 'hrss': field 'name_template': missing",
    ),
    (
        'en = "{district} HR&SS Bureau"',
        'en = "HR&SS Bureau"',
        "office 'hrss': field 'name_template.en'",
    ),
    ('kind = "district"', 'kind = "city"', "office 'hrss': field 'name_template'"),
    (
        'Art. 34" }\nlink = "portal"',
        'Art. 34" }\nlink = "x"',
        "registration_step 'apply': field 'link': unknown link 'x'",
    ),
    ('id = "lease"', 'id = "apply"', "registration_material 'apply': field 'id': duplicate id"),
    (
        'applies = [{ field = "premises", in = ["leased"] }]',
        'applies = [{ field = "premises", in = ["rented"] }]',
        "registration_material 'lease': field 'applies[0]': unknown premises code 'rented'",
    ),
    (
        'code = "retail"\n',
        'code = "retail"\nunit = "wan"\n',
        "sme_industry 'retail': field 'unit': unknown key",
    ),
    (
        industry_table("retail"),
        industry_table("retail").replace('"staff"]', '"staff", "revenue"]'),
        "sme_industry 'retail': field 'medium'",
    ),
    (
        industry_table("retail"),
        industry_table("retail").replace('["staff"]', '["heads"]'),
        "sme_industry 'retail': field 'metrics'",
    ),
    (
        industry_table("other"),
        industry_table("other").replace("staff = 100", "staff = 5"),
        "sme_industry 'other': field 'medium'",
    ),
    (
        industry_table("other"),
        industry_table("other").replace("staff = 300", "staff = 100"),
        "sme_industry 'other': field 'ceiling'",
    ),
    ('code = "other"', 'code = "misc"', "sme_industry 'misc': field 'code'"),
    ("schema = 1", "schema = 2", "schema: expected 1, got 2"),
    ("[meta]", "[extras]\nx = 1\n[meta]", "extras: unknown section"),
    ('note = "small valid file"\n', "", "meta table: field 'note': missing"),
    ("articles = [36]", "articles = [36", "not valid TOML"),
]


@pytest.mark.parametrize(("old", "new", "message"), BAD)
def test_invalid_file_names_entry_and_field(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert BASE.count(old) >= 1, old
    path = tmp_path / "policy.toml"
    path.write_text(BASE.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PolicyDataError) as error:
        load_policy_data(path)
    assert message in str(error.value)


def test_base_snippet_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(BASE, encoding="utf-8")
    data = load_policy_data(path)
    assert [p.id for p in data.policies_for({"premises": "leased"})] == ["rent_subsidy"]


def test_missing_industry_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(BASE.replace(industry_table("agriculture"), ""), encoding="utf-8")
    with pytest.raises(PolicyDataError, match="sme_industry: missing industries agriculture"):
        load_policy_data(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyDataError, match="cannot read"):
        load_policy_data(tmp_path / "absent.toml")


def test_parse_refuses_a_section_that_is_not_an_array_of_tables() -> None:
    doc = tomllib.loads(BASE)
    doc["link"] = ["https://example.gov.cn"]
    with pytest.raises(PolicyDataError, match="link #1: expected a table"):
        parse_policy_data(doc)
    doc["link"] = []
    with pytest.raises(PolicyDataError, match="link: expected a non-empty array"):
        parse_policy_data(doc)


def test_an_industry_button_too_long_for_half_a_row_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    table = industry_table("agriculture")
    long = 'button = { zh = "农业", en = "Agriculture and forestry" }\n'  # 24 characters
    path.write_text(BASE.replace(table, table.replace("metrics =", long + "metrics =")), "utf-8")
    with pytest.raises(PolicyDataError, match=r"button\.en.*24 characters; at most 20"):
        load_policy_data(path)
    path.write_text(
        BASE.replace(
            table,
            table.replace("metrics =", 'button = { zh = "农业", en = "Agriculture" }\nmetrics ='),
        ),
        "utf-8",
    )
    [agriculture] = [i for i in load_policy_data(path).industries if i.code == "agriculture"]
    assert agriculture.button is not None and agriculture.button.en == "Agriculture"
