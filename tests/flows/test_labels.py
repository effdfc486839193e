"""The typed-label matcher on its own: folding, the order of its tiers, and ambiguity."""

from __future__ import annotations

import pytest

from flows.engine.labels import fold, typed_button
from flows.engine.outcome import Action, Button, Op, Reply
from flows.engine.text import Localized, Text, spellings


def screen(*buttons: Button) -> Reply:
    return Reply((Text("?"),), (buttons,))


def pick(value: str) -> Action:
    return Action(Op.PICK, "f", "0", value)


SCREEN = screen(
    Button(Localized("同意", "I agree"), pick("agree"), ("ok",)),
    Button(Localized("不同意", "I do not agree"), pick("decline")),
    Button(Localized("上海市居住证", "Shanghai residence permit"), pick("permit")),
    Button(Localized("海外人才居住证", "Overseas talent residence permit"), pick("talent")),
    Button(Text("⬅️ Back"), Action(Op.BACK, "f", "0")),
)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("✅ I agree!", "iagree"),
        ("ＯＫ", "ok"),
        ("Jing'an", "jingan"),
        ("上海市 居住证。", "上海市居住证"),
        ("👍", ""),
    ],
)
def test_fold_keeps_letters_and_digits(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("同意", "agree"),  # whole label, though it is also a part of 不同意
        ("不同意", "decline"),
        ("i do not agree", "decline"),
        ("OK", "agree"),  # synonym
        ("back", ""),  # a navigation button
        ("上海市", "permit"),  # start
        ("overseas", "talent"),
        ("人才", "talent"),  # part, two Chinese characters
    ],
)
def test_one_button_is_found(typed, value):
    found = typed_button(SCREEN, typed, spellings)
    assert found.action is not None and found.action.value == value and not found.candidates


@pytest.mark.parametrize("typed", ["居住证", "residence permit", "permit"])
def test_several_buttons_are_candidates(typed):
    found = typed_button(SCREEN, typed, spellings)
    assert found.action is None
    assert {b.action.value for b in found.candidates} == {"permit", "talent"}


@pytest.mark.parametrize("typed", ["", "👍", "x", "同", "ag", "spaceship"])
def test_nothing_found(typed):
    found = typed_button(SCREEN, typed, spellings)
    assert found.action is None and not found.candidates


def test_a_button_shown_twice_counts_once():
    twice = screen(Button(Text("Done"), pick("d")), Button(Text("Done!"), pick("d")))
    assert typed_button(twice, "done", spellings).action == pick("d")
