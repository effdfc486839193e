"""Import directions, read from the source: who may import whom.

flows:   engine ← policy ← services ← shell (a service imports no other service)
storage: the engine's types, redis, cryptography; never bot
bot:     core (no Telegram library, no channel) ← channels (one each, none imports another)
         ← hand-off and workers (no channel) ← wiring, serve, web, __main__
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TELEGRAM_LIBRARIES = {"aiogram", "telegram"}
THIRD_PARTY = {
    "flows": {"transitions", "chinese_calendar"},
    "storage": {"redis", "cryptography"},
}


def modules(path: Path) -> set[str]:
    """Every module a file imports, as a dotted name (`from a.b import c` gives `a.b.c` too,
    which may be a module or a name in `a.b`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def top(name: str) -> str:
    return name.split(".")[0]


def within(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def package_of(path: Path, depth: int) -> str:
    """The dotted package `depth` levels down from the root, e.g. `flows.services.subsidy`."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:depth])


def project(name: str) -> bool:
    return top(name) in {"flows", "storage", "bot"}


def offences(folder: str, rule) -> dict[str, list[str]]:
    wrong: dict[str, list[str]] = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        bad = sorted(
            n for n in modules(path) if top(n) not in sys.stdlib_module_names and rule(path, n)
        )
        if bad:
            wrong[str(path.relative_to(ROOT))] = bad
    return wrong


def engine_rule(path: Path, name: str) -> bool:
    return not (within(name, "flows.engine") or top(name) in THIRD_PARTY["flows"])


def policy_rule(path: Path, name: str) -> bool:
    return not (within(name, "flows.engine", "flows.policy") or top(name) in THIRD_PARTY["flows"])


def service_rule(path: Path, name: str) -> bool:
    own = package_of(path, 3).removesuffix(".__init__")
    allowed = within(name, "flows.engine", "flows.policy", own) or name == "flows.services"
    return not (allowed or top(name) in THIRD_PARTY["flows"])


def shell_rule(path: Path, name: str) -> bool:
    return not (top(name) == "flows" or top(name) in THIRD_PARTY["flows"])


def storage_rule(path: Path, name: str) -> bool:
    return not (within(name, "storage", "flows.engine") or top(name) in THIRD_PARTY["storage"])


def core_rule(path: Path, name: str) -> bool:
    """The core imports no Telegram library and nothing of bot but the core."""
    if top(name) in TELEGRAM_LIBRARIES:
        return True
    return top(name) == "bot" and not within(name, "bot.core")


def channel_rule(path: Path, name: str) -> bool:
    """A channel imports the core, flows, and its own library: no other channel, no hand-off."""
    own = package_of(path, 3)
    if within(name, "bot.channels"):
        return not within(name, own)
    return top(name) == "bot" and not within(name, "bot.core")


def handoff_rule(path: Path, name: str) -> bool:
    """The hand-off and workers are channel-neutral."""
    if top(name) in TELEGRAM_LIBRARIES:
        return True
    return top(name) == "bot" and not within(name, "bot.core", "bot.handoff", "bot.workers")


RULES = {
    "flows/engine": engine_rule,
    "flows/policy": policy_rule,
    "flows/services": service_rule,
    "flows/shell": shell_rule,
    "storage": storage_rule,
    "bot/core": core_rule,
    "bot/channels": channel_rule,
    "bot/handoff": handoff_rule,
    "bot/workers": handoff_rule,
}


@pytest.mark.parametrize("folder", sorted(RULES))
def test_layer_imports_only_what_it_may(folder):
    assert not offences(folder, RULES[folder]), "forbidden imports"


def test_every_module_belongs_to_a_layer():
    ruled = [ROOT / folder for folder in RULES]
    loose = [
        str(path.relative_to(ROOT))
        for package in ("flows", "storage")
        for path in (ROOT / package).rglob("*.py")
        if not any(path.is_relative_to(r) for r in ruled) and path.name != "__init__.py"
    ]
    assert loose == []


def test_nothing_below_bot_imports_bot():
    for folder in ("flows", "storage"):
        assert not offences(folder, lambda _p, n: top(n) == "bot"), folder


@pytest.mark.parametrize(
    ("folder", "source", "caught"),
    [
        ("flows/engine", "from flows.services import registration\n", True),
        ("flows/services", "from flows.services.registration import FORMS\n", True),
        ("flows/services", "from flows.policy.citing import articles\n", False),
        ("bot/core", "import aiogram\n", True),
        ("bot/core", "from telegram.ext import Application\n", True),
        ("bot/core", "from bot.handoff.staff import StaffDesk\n", True),
        ("bot/channels", "from bot.channels.ptb.channel import PtbChannel\n", True),
        ("bot/channels", "from bot.channels.aiogram.channel import markup\n", False),
        ("bot/handoff", "from aiogram import Bot\n", True),
        ("storage", "from bot.core.render import Renderer\n", True),
    ],
)
def test_the_guard_catches_a_forbidden_import(tmp_path, folder, source, caught):
    """Each rule, on a file placed in its folder (here: in the aiogram channel's package)."""
    place = {
        "flows/services": "flows/services/subsidy/x.py",
        "bot/channels": "bot/channels/aiogram/x.py",
    }
    path = ROOT / place.get(folder, f"{folder}/x.py")
    sample = tmp_path / "x.py"
    sample.write_text(source)
    names = modules(sample)
    flagged = [n for n in names if top(n) not in sys.stdlib_module_names and RULES[folder](path, n)]
    assert bool(flagged) is caught, (source, flagged)
