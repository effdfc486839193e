"""Telling founders what happened to their applications, in their own language, on their own
channel."""

from __future__ import annotations

import logging

from bot.core.channel import Channels
from bot.core.render import Renderer
from flows.engine.lifecycle import APPLICATION, Lifecycle
from flows.policy.loader import PolicyData
from flows.shell.menu import status_update
from storage.founders import FounderStore
from storage.statuses import StatusChange

log = logging.getLogger(__name__)


class FounderNotifier:
    """Sends a status change to the founder: their chosen language, else the submission's."""

    def __init__(
        self, renderer: Renderer, founders: FounderStore, policy: PolicyData, channels: Channels
    ) -> None:
        self.renderer = renderer
        self.founders = founders
        self.policy = policy
        self.channels = channels
        self._absent: set[str] = set()  # channels this process lacks, said once each

    async def status_changed(
        self,
        change: StatusChange,
        programme: str,
        locale: str,
        lifecycle: Lifecycle = APPLICATION,
        *,
        flow: str = "",
    ) -> None:
        if not change.founder.reachable:
            return  # the founder erased their data, or the tip-off was anonymous: nobody to tell
        if self.channels.get(change.founder.channel) is None:
            # their channel is not in this process (a delivery worker without Telegram): the
            # change shows under My applications; no preference read nor message made for it.
            # Said once per channel, not for every change of every founder on it.
            self._absent_channel(change)
            return
        chosen = (await self.founders.prefs(change.founder)).lang or locale
        update = status_update(
            change.reference, programme, change.status, change.note, self.policy, lifecycle, flow
        )
        rendered = self.renderer.render(update, chosen)
        try:
            await self.channels.send(change.founder, [rendered])
        except Exception as exc:  # noqa: BLE001 - recorded anyway; shown under My applications
            self._not_told(change, type(exc).__name__)

    def _absent_channel(self, change: StatusChange) -> None:
        channel = change.founder.channel
        if channel in self._absent:
            log.debug(
                "founder %s not told of %s: no %s here", change.founder, change.reference, channel
            )
            return
        self._absent.add(channel)
        log.warning(
            "founders on %s are not told of status changes by this process: it has no %s "
            "channel (set its token); they see them under My applications",
            channel,
            channel,
        )

    @staticmethod
    def _not_told(change: StatusChange, why: str) -> None:
        log.warning("could not notify founder %s of %s: %s", change.founder, change.reference, why)
