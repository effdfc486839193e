"""The admins' desk, channel-neutral: /grant, /revoke and /roles in a private chat, for the
Telegram users listed in ADMIN_IDS only, checked on every command (`bot.core.roles.require`).

A grant names a Telegram user id; a commissioner may be limited to districts (typed in Chinese,
English or pinyin), a staff member belongs to one agency of the agencies file. The member is
told of a grant in their private chat, best effort.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from datetime import datetime

from bot.core.admin_args import Refusal, districts_named, member_named
from bot.core.channel import Channel, ChannelError
from bot.core.i18n import locale_for
from bot.core.inbound import Inbound
from bot.core.messages import TEXT_LIMIT
from bot.core.render import RenderedMessage, Renderer
from bot.core.roles import ADMIN, held, pseudonym, require
from flows.engine.address import Address
from flows.engine.districts import District, by_code
from flows.engine.periods import SHANGHAI
from flows.engine.text import N_, Localized, Text
from storage.errors import StorageError
from storage.founders import FounderStore
from storage.roles import COMMISSIONER, ROLES, STAFF, Holder, RoleStore

log = logging.getLogger(__name__)
COMMANDS = frozenset({"grant", "revoke", "roles"})
ROLE_NAMES = {COMMISSIONER: N_("service commissioner"), STAFF: N_("agency staff")}
USAGE = N_(
    "Usage:\n/grant commissioner <user id> [district, district…]\n"
    "/grant staff <user id> <agency id>\n/revoke commissioner|staff <user id>\n/roles"
)
LISTING_LIMIT = TEXT_LIMIT - 200  # room for the "… and N more" line


class AdminDesk:
    """Takes the admins' commands; everyone else is refused, and the refusal logged."""

    def __init__(
        self,
        roles: RoleStore,
        admins: Collection[int],
        agencies: Mapping[str, Localized],
        renderer: Renderer,
        store: FounderStore | None = None,
        *,
        default_locale: str = "zh_CN",
        fallback_locale: str = "en",
    ) -> None:
        self.roles = roles
        self.admins = frozenset(admins)
        self.agencies = dict(agencies)  # the agencies file's: id → name
        self.renderer = renderer
        self.store = store  # the members' chosen languages, for telling them
        self.default_locale, self.fallback_locale = default_locale, fallback_locale

    def handles(self, inbound: Inbound) -> bool:
        """Whether this is an admin command (from anyone: a non-admin is refused, not ignored)."""
        return inbound.private and inbound.event.command in COMMANDS

    async def on_command(self, inbound: Inbound, channel: Channel) -> None:
        """Check the sender is an admin, carry out the command, answer in their chat."""
        command = inbound.event.command
        locale = locale_for(
            None,
            inbound.language_code,
            default=self.default_locale,
            fallback=self.fallback_locale,
        )
        if not require(
            ADMIN, inbound.sender, held(inbound.sender, {}, self.admins), action=command
        ):
            answer = Text(
                N_("Only the bot's administrators can use /{command}."), {"command": command}
            )
        else:
            try:
                answer = await self._carry_out(
                    command, inbound.event.arg, inbound.sender, locale, channel
                )
            except Refusal as refusal:
                log.info("refused %s: bad arguments; admin %s", command, pseudonym(inbound.sender))
                answer = refusal.text
            except StorageError as exc:
                log.warning("/%s: storage failed: %s", command, type(exc).__name__)
                answer = Text(
                    N_(
                        "Sorry, I can't reach the roles store right now. Please try again in a "
                        "minute, then check /roles."
                    )
                )
        await channel.send(inbound.chat, [RenderedMessage(self.renderer.text(answer, locale))])

    async def _carry_out(
        self, command: str, arg: str, by: Address, locale: str, channel: Channel
    ) -> Text:
        if command == "roles":
            return Text.raw(await self._listing(locale))
        words = arg.split(maxsplit=2)
        if len(words) < 2 or words[0].lower() not in ROLES:
            raise Refusal(USAGE)
        role, member = words[0].lower(), member_named(words[1])
        if command == "revoke":
            if not await self.roles.revoke(member, role, by):
                return Text(
                    N_("{member} does not hold the role {role}; nothing changed."),
                    {"member": member.id, "role": Text(ROLE_NAMES[role])},
                )
            log.info("role %s revoked", role)
            return Text(
                N_("{member} no longer holds the role {role}."),
                {"member": member.id, "role": Text(ROLE_NAMES[role])},
            )
        rest = words[2] if len(words) > 2 else ""
        if role == COMMISSIONER:
            districts = districts_named(rest)
            await self.roles.grant(member, role, by, districts=[d.code for d in districts])
            scope = self._scope(districts)
            done = Text(
                N_("{member} is now a service commissioner for {scope}."),
                {"member": member.id, "scope": scope},
            )
            notice = Text(
                N_(
                    "You can now act as a service commissioner for {scope}. Send /announce to "
                    "compose an announcement to the founders who subscribed, /broadcasts for "
                    "those sent."
                ),
                {"scope": scope},
            )
        else:
            agency = rest.strip()
            if agency not in self.agencies:
                raise Refusal(
                    N_("There is no agency “{agency}”. The agencies are: {known}."),
                    agency=Text.raw(agency or "—"),
                    known=tuple(
                        Text(N_("{id} ({name})"), {"id": ident, "name": name})
                        for ident, name in self.agencies.items()
                    ),
                )
            await self.roles.grant(member, role, by, agency=agency)
            done = Text(
                N_("{member} is now staff of {agency}."),
                {"member": member.id, "agency": self._agency(agency)},
            )
            notice = Text(
                N_("You can now act on the cases of {agency} in its staff chat."),
                {"agency": self._agency(agency)},
            )
        log.info("role %s granted", role)
        told = await self._tell(member, notice, channel)
        after = (
            N_("They have been told.")
            if told
            else N_("I could not tell them: they may not have started the bot yet.")
        )
        return Text.raw(
            self.renderer.text(done, locale) + "\n" + self.renderer.text(Text(after), locale)
        )

    def _agency(self, agency: str) -> Localized | Text:
        """An agency as the reader knows it: its name from the agencies file, else its id."""
        return self.agencies.get(agency) or Text.raw(agency)

    def _scope(self, districts: list[District]) -> Text | tuple[Localized, ...]:
        """The districts as they read in any language (the renderer joins them); none is all."""
        if not districts:
            return Text(N_("all districts"))
        return tuple(Localized(d.short_zh, d.short_en) for d in districts)

    async def _tell(self, member: Address, notice: Text, channel: Channel) -> bool:
        """Tell the member of their new role in their language; whether it went out."""
        try:
            lang = (await self.store.prefs(member)).lang if self.store is not None else None
            locale = locale_for(
                lang, None, default=self.default_locale, fallback=self.fallback_locale
            )
            await channel.send(member, [RenderedMessage(self.renderer.text(notice, locale))])
        except (ChannelError, StorageError) as exc:
            log.info("a new role holder could not be told: %s", type(exc).__name__)
            return False
        return True

    async def _listing(self, locale: str) -> str:
        """Every holder with their scope and who granted it when, cut to one message."""
        holders = await self.roles.members()
        if not holders:
            return self.renderer.text(Text(N_("Nobody holds a role yet.")), locale)
        lines = [self.renderer.text(Text(N_("Roles ({count}):"), {"count": len(holders)}), locale)]
        size = len(lines[0])
        for shown, holder in enumerate(holders):
            line = self._line(holder, locale)
            if size + len(line) + 1 > LISTING_LIMIT:
                more = Text(N_("… and {count} more."), {"count": len(holders) - shown})
                lines.append(self.renderer.text(more, locale))
                break
            lines.append(line)
            size += len(line) + 1
        return "\n".join(lines)

    def _line(self, holder: Holder, locale: str) -> str:
        grant = holder.grant
        scope: Text | Localized | tuple[Localized, ...] = self._agency(grant.agency)
        if grant.role == COMMISSIONER:
            scope = self._scope([d for c in grant.districts if (d := by_code(c)) is not None])
        by = Address.parse(grant.by).id if grant.by else "?"
        day = datetime.fromtimestamp(grant.at, SHANGHAI).date().isoformat()
        params = {
            "member": holder.member.id,
            "role": Text(ROLE_NAMES[grant.role]),
            "scope": scope,
            "by": by,
            "date": day,
        }
        return self.renderer.text(
            Text(N_("• {member}: {role}, {scope}; granted by {by} on {date}"), params), locale
        )
