"""Statuses and their changes, declared once: who may make which change from where, final
statuses closing a case, and a service's extras extending the common lifecycle."""

from __future__ import annotations

import pytest

from flows.engine.lifecycle import ANY, APPLICATION, Change, Lifecycle, Status
from flows.policy.loader import load_policy_data
from flows.shell.registry import all_flows


@pytest.mark.parametrize(
    ("current", "to", "actor", "allowed"),
    [
        ("submitted", "delivered", "worker", True),
        ("accepted", "delivered", "worker", False),  # the agency answered first
        ("submitted", "delivered", "agency", False),  # only the worker delivers
        ("submitted", "accepted", "agency", True),  # before the delivery is recorded
        ("delivered", "more_info", "staff", True),
        ("more_info", "supplied", "founder", True),
        ("accepted", "supplied", "founder", False),  # staff acted before it was delivered
        ("resolved", "accepted", "agency", False),  # a closed case stays closed
        ("rejected", "more_info", "staff", False),
        ("delivered", "resolved", "founder", False),
        ("delivered", "lost", "agency", False),
    ],
)
def test_who_may_change_what(current, to, actor, allowed):
    assert APPLICATION.allowed(current, to, actor) is allowed


def test_what_an_agency_may_report_and_staff_may_do():
    assert APPLICATION.settable_by("agency") == ("accepted", "more_info", "rejected", "resolved")
    assert APPLICATION.next_for("resolved", "staff") == ()
    assert APPLICATION.asks_founder("more_info") and not APPLICATION.asks_founder("accepted")


def test_a_service_extends_the_common_lifecycle():
    complaint = APPLICATION.extend(
        [Status("transferred", "transferred"), Status("closed", "closed", final=True)],
        [
            Change("transferred", ("agency", "staff"), ("delivered", "accepted")),
            Change("closed", ("agency", "staff")),
        ],
    )
    assert complaint.allowed("delivered", "transferred", "agency")
    assert complaint.allowed("transferred", "closed", "staff")
    assert not complaint.allowed("closed", "accepted", "agency")
    assert not APPLICATION.allowed("delivered", "transferred", "agency")  # unchanged
    assert ANY == "*"


@pytest.mark.parametrize(
    ("statuses", "changes"),
    [
        ([Status("submitted", "s"), Status("submitted", "t")], []),  # twice
        ([Status("draft", "d")], []),  # no initial status
        ([Status("submitted", "s")], [Change("lost", ("agency",))]),  # unknown target
        ([Status("submitted", "s")], [Change("submitted", ("mayor",))]),  # unknown actor
    ],
)
def test_a_wrong_declaration_is_refused(statuses, changes):
    with pytest.raises(ValueError):
        Lifecycle(statuses, changes)


def test_every_service_declares_a_lifecycle_with_named_statuses():
    for spec in all_flows(load_policy_data()):
        assert spec.lifecycle.initial == "submitted"
        assert all(name for name in spec.lifecycle.names.values())


def test_the_complaint_loop():
    from flows.services.complaint.lifecycle import COMPLAINT

    path = [
        ("submitted", "delivered", "worker"),
        ("delivered", "transferred", "staff"),
        ("transferred", "overdue", "timer"),
        ("overdue", "escalated", "founder"),
        ("escalated", "closed", "agency"),
        ("closed", "rated", "founder"),
    ]
    for current, to, actor in path:
        assert COMPLAINT.allowed(current, to, actor), (current, to, actor)
    assert not COMPLAINT.allowed("delivered", "escalated", "founder")  # only when overdue
    assert not COMPLAINT.allowed("accepted", "rated", "founder")  # only when closed
    assert not COMPLAINT.allowed("rated", "rated", "founder")  # once
    assert not COMPLAINT.allowed("closed", "overdue", "timer")  # an obsolete check
    assert not COMPLAINT.allowed("delivered", "overdue", "agency")
    assert "resolved" not in COMPLAINT.statuses  # a complaint is closed instead
    assert COMPLAINT.next_for("delivered", "staff") == (
        "accepted", "more_info", "rejected", "transferred", "closed",
    )  # fmt: skip
