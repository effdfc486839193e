"""Typed text as a tap: which button of a screen a founder meant by typing its label.

A label matches in either language (the context's speller gives each spelling), or by one of
the button's synonyms. Case, 全角 forms, spaces, punctuation and emoji are ignored. Tried in
order, the first tier with any match decides: the whole label or a synonym; the start of one
(two characters or more); a part of one (two Chinese characters, or three letters or more).
One button found is the tap; several are ambiguous and the founder is asked to choose.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from flows.engine.errors import ValidationFailed
from flows.engine.normalize import normalize
from flows.engine.outcome import Action, Button, Reply
from flows.engine.spec import Speller
from flows.engine.text import N_, Text, clip

# What founders type for the buttons every flow screen has, besides their labels.
BACK_WORDS = ("back", "previous", "返回", "上一题", "上一个")
HELP_WORDS = ("help", "帮助", "帮忙", "说明")
CANCEL_WORDS = ("cancel", "quit", "stop", "取消", "退出")
MENU_WORDS = ("menu", "main menu", "菜单", "主菜单")
DONE_WORDS = ("done", "finish", "finished", "完成", "好了", "选好了")
CONFIRM_WORDS = ("confirm", "ok", "yes", "submit", "send", "确认", "确定", "提交", "是", "对")
KEEP_WORDS = ("keep", "use this", "same", "unchanged", "保留", "不变", "沿用", "用这个")
SKIP_WORDS = ("skip", "none", "no", "跳过", "没有", "无", "都不是")
_CJK = re.compile(r"[\u3400-\u9fff]")
Tier = Callable[[str, str], bool]


def fold(text: str) -> str:
    """The letters and digits of a text, case-folded, 全角 folded: what labels are compared by."""
    folded = normalize(text).casefold()
    return "".join(char for char in folded if unicodedata.category(char)[0] in "LN")


def _whole(typed: str, name: str) -> bool:
    return typed == name


def _start(typed: str, name: str) -> bool:
    return len(typed) >= 2 and name.startswith(typed)


def _part(typed: str, name: str) -> bool:
    least = 2 if _CJK.search(typed) else 3
    return len(typed) >= least and typed in name


TIERS: tuple[Tier, ...] = (_whole, _start, _part)


@dataclass(frozen=True)
class Typed:
    """What typed text meant on a screen: one button's action, or the buttons it could mean."""

    action: Action | None = None
    candidates: tuple[Button, ...] = ()


def names(button: Button, spell: Speller) -> frozenset[str]:
    """Every folded way to name a button: its label in each language, and its synonyms."""
    spelled: Iterable[str] = (*spell(button.label).values(), *button.synonyms)
    return frozenset(key for key in map(fold, spelled) if key)


def typed_button(screen: Reply, text: str, spell: Speller) -> Typed:
    """The button of `screen` that `text` names, if any; buttons with the same action count once."""
    typed = fold(text)
    if not typed:
        return Typed()
    buttons = _distinct(b for row in screen.buttons for b in row)
    named = [(button, names(button, spell)) for button in buttons]
    for tier in TIERS:
        found = tuple(b for b, keys in named if any(tier(typed, key) for key in keys))
        if len(found) == 1:
            return Typed(action=found[0].action)
        if found:
            return Typed(candidates=found)
    return Typed()


def tapped(screen: Reply, text: str, spell: Speller) -> Action | None:
    """The action of the button `text` names on `screen`, or None; refuses text that fits
    several buttons, naming them."""
    found = typed_button(screen, text, spell)
    if found.candidates:
        raise ValidationFailed(
            N_("“{typed}” fits more than one button: {options}. Please tap the one you mean."),
            typed=quoted(text),
            options=tuple(b.label for b in found.candidates),
        )
    return found.action


def named_exactly(screen: Reply, text: str, spell: Speller) -> Action | None:
    """The one button whose whole label or synonym `text` is (no starts or parts): where a
    typed answer is asked, text that is not a valid answer may still be a button's name."""
    typed = fold(text)
    found = {b.action for row in screen.buttons for b in row if typed in names(b, spell)}
    return found.pop() if typed and len(found) == 1 else None


def quoted(text: str) -> Text:
    """What the founder typed, on one line and short, to quote back in a refusal."""
    return Text.raw(clip(" ".join(text.split()), 30))


def _distinct(buttons: Iterable[Button]) -> Sequence[Button]:
    seen: dict[Action, Button] = {}
    for button in buttons:
        seen.setdefault(button.action, button)
    return list(seen.values())
