"""Penalty decision numbers: the usual forms accepted and written one way; anything else kept
as typed and flagged, never refused."""

from __future__ import annotations

import pytest

from flows.services.credit.decision import decision_number


@pytest.mark.parametrize(
    "typed",
    [
        "沪市监罚〔2025〕123号",
        "沪市监罚(2025)123号",
        "沪市监罚（2025）123号",
        "沪市监罚[2025]123号",
        "沪市监罚【2025】123号",
        "沪市监罚［２０２５］１２３号",
        "沪市监罚2025123号",
        "沪市监罚 2025 123 号",
        "沪市监罚〔2025〕123",
        " 沪市监罚（２０２５）１２３号 ",
    ],
)
def test_usual_forms_are_normalised(typed: str) -> None:
    found = decision_number(typed)
    assert found.standard
    assert found.text == "沪市监罚〔2025〕123号"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("沪浦市监案处字(2024)第150020240123号", "沪浦市监案处字〔2024〕第150020240123号"),
        ("沪消行罚决字〔2026〕0042号", "沪消行罚决字〔2026〕0042号"),
    ],
)
def test_issuers_with_longer_abbreviations_keep_their_serial(typed: str, kept: str) -> None:
    assert decision_number(typed).text == kept and decision_number(kept).text == kept


@pytest.mark.parametrize(
    "typed", ["123", "no idea", "沪市监罚", "沪市监罚〔25〕123号", "罚单 A-17", "2025-123"]
)
def test_other_text_is_kept_as_typed_and_flagged(typed: str) -> None:
    found = decision_number(typed)
    assert not found.standard
    assert found.text == typed.strip()
