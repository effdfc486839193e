"""The admins' desk through the front door, on a real Redis, with a channel that records what
it sends: only ADMIN_IDS may /grant, /revoke and /roles; wrong arguments get the usage or a
named refusal; a refused attempt is logged without the sender's id or the message's text."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pytest

from bot.config import Settings
from bot.core.inbound import Inbound
from bot.core.messages import TEXT_LIMIT
from bot.core.render import RenderedMessage
from bot.wiring import App, create_app
from flows.engine.address import Address
from flows.engine.events import Event
from storage.crypto import FieldCipher
from storage.roles import COMMISSIONER, STAFF

T = Address.telegram
ADMIN, MEMBER, OUTSIDER = 4242, 7001, 5555


class Recording:
    """A channel that keeps what it is asked to send; `unreachable` addresses fail."""

    name = "telegram"

    def __init__(self) -> None:
        self.sent: list[tuple[Address, str]] = []

    async def send(
        self, chat: Address, messages: Sequence[RenderedMessage], *, edit: str | None = None
    ) -> list[str]:
        self.sent += [(chat, m.text) for m in messages]
        return [str(len(self.sent))]

    def to(self, user: int) -> list[str]:
        return [text for chat, text in self.sent if chat == T(user)]


@pytest.fixture
def app(redis, redis_url, key_prefix) -> App:
    settings = Settings(
        redis_url=redis_url,
        redis_prefix=key_prefix,
        admin_ids=f"{ADMIN},1",
        data_keys=FieldCipher.generate_key(),
    )
    return create_app(settings, redis)


async def say(app: App, channel: Recording, user: int, text: str, lang: str = "en") -> str:
    """`user` sends `text` in their private chat; the bot's last answer to them."""
    command, _, arg = text.removeprefix("/").partition(" ")
    inbound = Inbound(1, T(user), T(user), True, Event.of_command(command, arg), lang)
    await app.front().message(inbound, channel)  # type: ignore[arg-type]
    return channel.to(user)[-1]


async def test_an_admin_grants_a_commissioner_for_districts_named_any_way(app):
    channel = Recording()
    answer = await say(app, channel, ADMIN, f"/grant commissioner {MEMBER} 浦东， Xuhui jing'an")
    assert answer == (
        f"{MEMBER} is now a service commissioner for Pudong, Xuhui, Jing'an.\nThey have been told."
    )
    grant = (await app.roles.of(T(MEMBER)))[COMMISSIONER]
    assert grant.districts == ("pudong", "xuhui", "jingan") and grant.by == f"telegram:{ADMIN}"
    # the member is told in their own language: the default, Chinese, names the districts so
    [notice] = channel.to(MEMBER)
    assert "浦东、徐汇、静安" in notice and "Pudong" not in notice
    answer = await say(app, channel, ADMIN, f"/grant commissioner {MEMBER}")
    assert "for all districts." in answer  # granted again: the scope replaced
    assert (await app.roles.of(T(MEMBER)))[COMMISSIONER].districts == ()


@pytest.mark.parametrize("command", ["/grant commissioner 7001", "/revoke staff 7001", "/roles"])
async def test_a_non_admin_is_refused_and_the_refusal_logged_without_personal_data(
    app, caplog, command
):
    await app.roles.grant(T(MEMBER), STAFF, T(ADMIN), agency="hrss")
    channel = Recording()
    with caplog.at_level(logging.INFO):
        answer = await say(app, channel, OUTSIDER, command)
    name = command.split()[0][1:]
    assert answer == f"Only the bot's administrators can use /{name}."
    assert set(await app.roles.of(T(MEMBER))) == {STAFF} and len(await app.roles.log()) == 1
    assert channel.to(MEMBER) == []
    [refusal] = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert name in refusal and "admin" in refusal
    logged = caplog.text
    assert (
        str(OUTSIDER) not in logged and "7001" not in logged and "commissioner 7001" not in logged
    )


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("/grant", "Usage:\n/grant commissioner <user id>"),
        ("/grant boss 7001", "Usage:"),
        ("/revoke commissioner", "Usage:"),
        ("/grant commissioner @someone", "“@someone” is not a Telegram user id"),
        ("/grant commissioner -7", "“-7” is not a Telegram user id"),
        ("/grant commissioner 7001 Pudong, Atlantis", "I don't know the district “Atlantis”"),
        ("/grant staff 7001", "There is no agency “—”. The agencies are: "),
        ("/grant staff 7001 nosuch", "There is no agency “nosuch”. The agencies are: "),
    ],
)
async def test_wrong_arguments_get_the_usage_or_a_named_refusal(app, caplog, command, answer):
    channel = Recording()
    with caplog.at_level(logging.INFO):
        said = await say(app, channel, ADMIN, command)
    assert said.startswith(answer), said
    if "agency" in answer:
        known = said.split("The agencies are: ")[1].rstrip(".")
        assert known == ", ".join(f"{a.id} ({a.name.en})" for a in app.agencies.all())
    assert await app.roles.members() == [] and await app.roles.log() == []
    assert "bad arguments" in caplog.text and "Atlantis" not in caplog.text


async def test_revoke_and_the_listing(app):
    channel = Recording()
    assert await say(app, channel, ADMIN, "/roles") == "Nobody holds a role yet."
    agency = app.agencies.all()[0]
    said = await say(app, channel, ADMIN, f"/grant staff {MEMBER} {agency.id}")
    assert said.startswith(f"{MEMBER} is now staff of {agency.name.en}.")
    told = channel.to(MEMBER)[-1]  # in the member's language: the bot's default, Chinese
    assert told.startswith(f"您现在可以在{agency.name.zh}的工作群中处理该机构的案件")
    await say(app, channel, 1, "/grant commissioner 7002 minhang")  # the other admin
    listing = await say(app, channel, ADMIN, "/roles")
    lines = listing.splitlines()
    assert lines[0] == "Roles (2):"
    assert lines[1].startswith(
        f"• {MEMBER}: agency staff, {agency.name.en}; granted by {ADMIN} on 20"
    )
    assert lines[2].startswith("• 7002: service commissioner, Minhang; granted by 1 on 20")
    zh = (await say(app, channel, ADMIN, "/roles", "zh-hans")).splitlines()
    assert zh[1].startswith(f"• {MEMBER}：受理机构工作人员，{agency.name.zh}；由{ADMIN}于20")
    said = await say(app, channel, ADMIN, f"/revoke staff {MEMBER}")
    assert said == f"{MEMBER} no longer holds the role agency staff."
    said = await say(app, channel, ADMIN, f"/revoke staff {MEMBER}")
    assert said == f"{MEMBER} does not hold the role agency staff; nothing changed."
    assert (await say(app, channel, ADMIN, "/roles")).splitlines()[0] == "Roles (1):"
    assert [e["action"] for e in await app.roles.log()] == ["revoke", "grant", "grant"]


async def test_a_grant_for_an_agency_gone_from_the_file_is_listed_by_its_id(app):
    await app.roles.grant(T(MEMBER), STAFF, T(ADMIN), agency="gone")
    listing = await say(app, Recording(), ADMIN, "/roles")
    assert listing.splitlines()[1].startswith(f"• {MEMBER}: agency staff, gone; granted by")


async def test_a_long_listing_fits_one_message_and_counts_the_rest(app):
    for i in range(300):
        await app.roles.grant(T(10_000 + i), COMMISSIONER, T(ADMIN), districts=["pudong"])
    listing = await say(app, Recording(), ADMIN, "/roles")
    assert len(listing) <= TEXT_LIMIT
    shown = listing.count("\n• ")
    assert 20 < shown < 300 and listing.endswith(f"… and {300 - shown} more.")


async def test_a_member_who_cannot_be_told_is_granted_all_the_same(app):
    class Unreachable(Recording):
        async def send(self, chat, messages, *, edit=None):
            from bot.core.channel import Unreachable as Gone

            if chat == T(MEMBER):
                raise Gone("blocked the bot")
            return await super().send(chat, messages, edit=edit)

    said = await say(app, Unreachable(), ADMIN, f"/grant commissioner {MEMBER} pudong")
    assert said.endswith("I could not tell them: they may not have started the bot yet.")
    assert set(await app.roles.of(T(MEMBER))) == {COMMISSIONER}


async def test_founders_other_commands_still_reach_the_conversation(app):
    channel = Recording()
    answer = await say(app, channel, OUTSIDER, "/menu")
    assert "administrators" not in answer and answer
