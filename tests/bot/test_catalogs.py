"""The catalogs are complete: every message in the code has a translation in zh_CN and en,
with the same placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ("zh_CN", "en")


def code_msgids() -> set[str]:
    found: set[str] = set()
    for folder in ("flows", "bot"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords={"N_": None, "_": None}
        ):
            if isinstance(message, str) and message:
                found.add(message)
    return found


def catalog(locale: str):
    with (ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_code_has_messages():
    assert len(code_msgids()) > 50


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(locale):
    entries = {m.id: m for m in catalog(locale) if m.id}
    missing = sorted(code_msgids() - set(entries))
    assert not missing, f"{locale}: not in the catalog (run make i18n-update): {missing[:10]}"
    untranslated = sorted(i for i in code_msgids() if not entries[i].string or entries[i].fuzzy)
    assert not untranslated, f"{locale}: untranslated or fuzzy: {untranslated[:10]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_match(locale):
    wrong = [
        (m.id, m.string)
        for m in catalog(locale)
        if m.id and m.string and placeholders(m.id) != placeholders(m.string)
    ]
    assert not wrong, f"{locale}: placeholders differ: {wrong[:5]}"


def test_chinese_catalog_is_chinese():
    cjk = re.compile(r"[\u4e00-\u9fff]")
    latin_only = [
        m.id
        for m in catalog("zh_CN")
        if m.id
        and m.string
        and re.search("[A-Za-z]{4}", re.sub(r"\{[^{}]*\}", "", m.id))
        and not cjk.search(m.string)
    ]
    assert not latin_only, f"zh_CN entries left in English: {latin_only[:10]}"
