"""❓ Help is the question's own: every field of every shipped flow has help of its own (what is
asked, why, where to find it), the summary says what ✅ Confirm does, and the Chinese help
cites the same articles as the English."""

from __future__ import annotations

import re

import pytest
from founder_chat import FLOWS, RENDERER, Chat

from flows.engine.draft import SUMMARY, Draft
from flows.engine.machine import FlowMachine
from flows.engine.outcome import Op
from flows.engine.screens import step_help
from flows.engine.text import Localized, Text

ARTICLE_EN = re.compile(r"Art\. ([0-9–, ]+)")
ARTICLE_ZH = re.compile(r"第([0-9至、–]+)条")


def numbers(cited: list[str]) -> set[int]:
    found: set[int] = set()
    for group in cited:
        bounds = [int(n) for n in re.findall(r"[0-9]+", group)]
        if re.search("[–至]", group):
            found |= set(range(bounds[0], bounds[-1] + 1))
        else:
            found |= set(bounds)
    return found


@pytest.mark.parametrize("spec", FLOWS, ids=lambda s: s.id)
def test_every_field_has_help_of_its_own(spec):
    helps = [f.help for f in spec.fields]
    missing = [f.name for f in spec.fields if not f.help]
    assert not missing, f"{spec.id}: fields without help: {missing}"
    assert len(set(helps)) == len(helps), f"{spec.id}: two fields share one help"
    assert spec.review_help, f"{spec.id}: the summary has no help"


@pytest.mark.parametrize("spec", FLOWS, ids=lambda s: s.id)
def test_the_help_screen_shows_the_fields_help(spec):
    machine = FlowMachine(spec)
    for f in spec.fields:
        shown = step_help(machine, Draft(flow=spec.id, step=f.name)).blocks[0]
        assert shown == (Text(f.help) if isinstance(f.help, str) else f.help), f.name
    summary = step_help(machine, Draft(flow=spec.id, step=SUMMARY)).blocks[0]
    assert summary == Text(spec.review_help)


def helps() -> list[tuple[str, str | Localized]]:
    found = [(f"{s.id}.{f.name}", f.help) for s in FLOWS for f in s.fields if f.help]
    return found + [(f"{s.id}.summary", s.review_help) for s in FLOWS]


@pytest.mark.parametrize(("where", "help"), helps(), ids=[w for w, _ in helps()])
def test_both_languages_cite_the_same_articles(where, help):
    block = Text(help) if isinstance(help, str) else help
    en, zh = RENDERER.text(block, "en"), RENDERER.text(block, "zh_CN")
    assert numbers(ARTICLE_EN.findall(en)) == numbers(ARTICLE_ZH.findall(zh)), (en, zh)
    assert all(1 <= n <= 66 for n in numbers(ARTICLE_EN.findall(en))), en


def test_the_help_button_answers_with_the_question_help():
    chat = Chat("zh_CN")
    chat.command("start", "subsidy")
    chat.tap(Op.HELP)
    assert "就业创业证" in chat.sent[-2].text  # which certificate a key-group founder holds
    assert chat.draft("subsidy").step == "applicant"


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_help_and_the_commands_menu_list_news_from_one_list(locale):
    from bot.core.commands import commands_menu

    chat = Chat(locale)
    chat.command("help")
    assert "/news" in chat.text and "/apps" in chat.text
    menu = commands_menu(RENDERER, "zh_CN")
    assert "news" in [c for c, _ in menu[locale.split("_")[0]]]
