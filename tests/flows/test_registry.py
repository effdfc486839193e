"""The registry checks itself: duplicate services and unknown menu entries stop start-up."""

from __future__ import annotations

from dataclasses import replace

import pytest

from flows.policy.loader import load_policy_data
from flows.shell.registry import MENU, RegistryError, all_flows, registry

POLICY = load_policy_data()
SPECS = all_flows(POLICY)


def test_the_menu_lists_its_services_in_order_and_the_others_last():
    assert [s.id for s in SPECS if s.listed] == list(MENU)
    assert [s.id for s in SPECS][len(MENU) :] == ["supplement", "escalation", "rating", "announce"]
    assert not any(s.listed for s in SPECS[len(MENU) :])


def test_two_services_with_one_name_are_refused():
    twin = replace(SPECS[0], code="zz")
    with pytest.raises(RegistryError, match="two services are named 'registration'"):
        registry([*SPECS, twin], MENU)


def test_two_services_with_one_code_are_refused():
    twin = replace(SPECS[0], id="other")
    with pytest.raises(RegistryError, match="share code"):
        registry([*SPECS, twin], MENU)


@pytest.mark.parametrize("menu", [("registration", "complaints"), ("subsidy", "subsidy")])
def test_a_menu_entry_naming_no_service_or_twice_is_refused(menu):
    with pytest.raises(RegistryError, match="menu"):
        registry(SPECS, menu)
