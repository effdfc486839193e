"""Builds the running parts from settings: policy data, flows, Redis, stores, catalogs, the
conversation service, the channels this process reaches, and the hand-off (agencies,
statuses, notifier, staff desk, worker), and the timed-events worker. Channel-neutral:
`bot.serve` adds the channels."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any, cast

from redis.asyncio import Redis
from redis.backoff import ExponentialBackoff
from redis.driver_info import DriverInfo
from redis.exceptions import ConnectionError as ConnectionLost

from bot.channels.local.chat import LocalChannel
from bot.config import Settings, SettingsError
from bot.core.admin import AdminDesk
from bot.core.announcement_steering import START as BROADCAST_START
from bot.core.announcements import AnnouncementDesk
from bot.core.channel import ChannelError, Channels
from bot.core.flood import FloodGate
from bot.core.front import Front
from bot.core.i18n import Catalogs
from bot.core.notify import FounderNotifier
from bot.core.reminders import REMINDER, DraftReminders
from bot.core.render import RenderedMessage, Renderer
from bot.core.service import ConversationService
from bot.handoff.agencies import Agencies, load_agencies
from bot.handoff.deadlines import OVERDUE, DeadlineWatch, overdue_id
from bot.handoff.delivery import Deliverer
from bot.handoff.fonts import FontError, PdfFont, load_font
from bot.handoff.rendering import Render, RenderPool, inline
from bot.handoff.staff import StaffDesk
from bot.handoff.status import StatusDesk
from bot.telemetry import CountedRetry
from bot.workers.broadcast_send import ProgressMessage
from bot.workers.broadcaster import Broadcaster
from bot.workers.gauges import BacklogGauges
from bot.workers.outbox import OnDead, OutboxWorker
from bot.workers.timers import Handler, TimerWorker
from flows.engine.address import TELEGRAM, Address
from flows.engine.lifecycle import Lifecycle
from flows.engine.text import N_, Text
from flows.policy.loader import PolicyData, load_policy_data
from flows.shell.conversation import Conversation
from flows.shell.registry import all_flows
from storage.broadcasts import BroadcastStore
from storage.crypto import FieldCipher
from storage.founders import FounderStore
from storage.keys import KeyBuilder
from storage.outbox import OutboxEntry, OutboxStore
from storage.pool import BoundedPool
from storage.redis_client import cluster_client, sentinel_client
from storage.roles import RoleStore
from storage.statuses import StatusStore
from storage.submissions import SubmissionStore
from storage.timers import TimerStore

log = logging.getLogger(__name__)


def create_redis(settings: Settings) -> Redis:
    """A client whose pool waits for a free connection under a burst (up to 10 s) instead of
    failing the turn: REDIS_MAX_CONNECTIONS bounds what one process opens (`BoundedPool`, which
    takes no lock when one is free). A Redis that stops answering (stalled, or its host gone
    without a reset) fails a command after REDIS_SOCKET_TIMEOUT instead of holding the
    founder's turn for ever. Replies are parsed by hiredis (a dependency; redis-py picks it).
    The same policy reaches a primary through Sentinel; a Redis Cluster's client differs
    (`storage.redis_client`)."""
    options: dict[str, Any] = {
        "max_connections": settings.redis_max_connections,
        "socket_timeout": settings.redis_socket_timeout,
        "socket_connect_timeout": settings.redis_socket_timeout,
        # A pooled connection gone stale (Redis restarted, or a Sentinel failover) is retried
        # on a fresh one instead of failing the founder's answer; a commit that ran twice this
        # way is caught by its compare-and-set, and the service then finds its update recorded
        # and answers. A timeout is not retried: with redis-py's retries (the command's, then
        # the reconnect's) a stalled Redis held each command about 13 socket timeouts (over a
        # minute at 5 s); the service settles a commit whose reply timed out instead.
        "retry": CountedRetry(
            ExponentialBackoff(cap=0.5, base=0.02), 3, supported_errors=(ConnectionLost,)
        ),
        "health_check_interval": 10,
        # Said once: without it redis-py looks its own version up in the installed packages'
        # metadata for every new connection (about 5 ms of CPU each), and a worker opens up to
        # REDIS_MAX_CONNECTIONS of them under a burst of deliveries.
        "driver_info": DriverInfo(),
    }
    target = settings.redis_target()
    if target.mode == "cluster":
        # The stores are typed for Redis; RedisCluster answers every command they send, each
        # with its keys in one slot (storage.keys; what differs: storage.redis_client).
        return cast(Redis, cluster_client(target, **options))
    options["timeout"] = 10  # the wait for a free connection
    if target.mode == "sentinel":
        return sentinel_client(target, **options)
    return Redis.from_pool(BoundedPool.from_url(settings.redis_url, **options))


@dataclass
class App:
    """Everything a process needs, validated at start-up: a bad policy file, agencies file,
    catalog or PDF font stops here with a message naming the entry, field or file. `channels`
    are the ways out this process has: every process reads files sent in the local chat; a
    Telegram runtime or the local chat adds itself. `timer_handlers` maps each timed event
    kind to what fires it, besides complaints' deadline checks and drafts' reminders (tests
    add theirs)."""

    settings: Settings
    redis: Redis
    policy: PolicyData
    agencies: Agencies
    renderer: Renderer
    store: FounderStore
    statuses: StatusStore
    outbox: OutboxStore
    service: ConversationService
    font: PdfFont
    channels: Channels = field(default_factory=lambda: Channels(LocalChannel()))
    timer_handlers: Mapping[str, Handler] = field(default_factory=dict)
    lifecycles: Mapping[str, Lifecycle] = field(default_factory=dict)  # flow id → its statuses
    # Broadcasts: whether a founder is still subscribed, and unsubscribing one who blocked the
    # bot (the subscriptions' store sets them; until then everyone frozen at start is sent to).
    is_subscribed: Callable[[Address], Awaitable[bool]] | None = None
    unsubscribe: Callable[[Address], Awaitable[None]] | None = None

    @cached_property
    def roles(self) -> RoleStore:
        """The roles admins grant (commissioners, agency staff), with their audit trail."""
        return RoleStore(self.redis, self.store.keys)

    def admin(self) -> AdminDesk:
        """The admins' /grant, /revoke and /roles (ADMIN_IDS)."""
        return AdminDesk(
            self.roles,
            self.settings.admins(),
            {a.id: a.name for a in self.agencies.all()},
            self.renderer,
            self.store,
            default_locale=self.settings.default_locale,
            fallback_locale=self.settings.fallback_locale,
        )

    @property
    def submissions(self) -> SubmissionStore:
        return self.store.submissions

    def desk(self) -> StatusDesk:
        """Status changes, told to founders on their channel (logged when it is not here)."""
        notifier = FounderNotifier(self.renderer, self.store, self.policy, self.channels)
        return StatusDesk(
            self.statuses, self.submissions, notifier, self.lifecycles, on_final=self._closed
        )

    async def _closed(self, reference: str) -> None:
        await self.timer_store.cancel(overdue_id(reference))

    def deadlines(self, staff: StaffDesk | None = None) -> DeadlineWatch:
        """Complaints' deadlines: watched from delivery, checked when they pass, the staff
        chat reminded (through `staff`, or a staff desk of its own)."""
        staff = staff or self.staff()
        return DeadlineWatch(self.timer_store, staff.desk, staff.remind_overdue)

    def staff(self) -> StaffDesk:
        """The agencies' staff desk, recording through a status desk."""
        return StaffDesk(
            self.channels,
            self.agencies,
            self.desk(),
            self.submissions,
            self.renderer,
            self.redis,
            self.store.keys,
            self.settings.default_locale,
            roles=self.roles,
        )

    def front(self) -> Front:
        """Where a channel's updates go: the staff desk, the admin desk and the conversation
        service."""
        return Front(self.service, self.staff(), self.admin(), self.announcements())

    def worker(self, *, consumer: str | None = None, render_at_start: bool = False) -> OutboxWorker:
        """The delivery worker: fetches founders' files from their channels, tells founders,
        and posts cases to staff chats when this process has Telegram."""
        staff = self.staff()
        post_case = staff.post_bundle if self.channels.get(TELEGRAM) else None
        deliverer = Deliverer(
            self.submissions,
            self.policy,
            self.agencies,
            staff.desk,
            self.channels.fetch,
            post_case,
            font=self.font,
            on_delivered=self.deadlines(staff).delivered,
            render=self._render(),
            render_at_start=render_at_start,
            outbox=self.outbox,
        )
        return OutboxWorker(
            self.outbox,
            deliverer,
            consumer=consumer or f"{socket.gethostname()}-{os.getpid()}",
            max_age=timedelta(hours=self.settings.delivery_max_age_hours),
            reclaim_idle_ms=self.agencies.takeover_after_ms(),
            on_dead=self._tell_admins(),
            chore=self._purge,
            agency_of=self._agency_of,
        )

    def _agency_of(self, entry: OutboxEntry) -> str:
        """The id of the agency an outbox entry goes to (its office's), for the metrics."""
        agency = self.agencies.by_office.get(entry.fields.get("office", ""))
        return "unknown" if agency is None else agency.id

    def gauges(self) -> BacklogGauges:
        """Reads the outbox's, timed events' and broadcasts' backlogs into the metrics."""
        return BacklogGauges(self.outbox, self.timer_store, self.broadcasts)

    def _render(self) -> Render:
        """The delivery worker's render pool (RENDER_PROCESSES), or this loop when 0."""
        processes = self.settings.render_processes
        if processes == 0:
            return inline
        return RenderPool(processes, self.settings.pdf_font_file)

    @property
    def timer_store(self) -> TimerStore:
        return TimerStore(self.redis, self.store.keys)

    def timers(self, *, name: str | None = None) -> TimerWorker:
        """The timed-events worker, firing through `timer_handlers`."""
        handlers = {OVERDUE: self.deadlines().fire, **self.timer_handlers}
        if self.service.reminders is not None:
            handlers.setdefault(REMINDER, self.service.reminders.fire)
        handlers.setdefault(BROADCAST_START, self.announcements().fire)
        return TimerWorker(
            self.timer_store,
            handlers,
            name=name or f"{socket.gethostname()}-{os.getpid()}",
        )

    @property
    def broadcasts(self) -> BroadcastStore:
        return BroadcastStore(self.redis, self.store.keys)

    def announcements(self) -> AnnouncementDesk:
        """The commissioners' broadcast desk (previews, sending, history) and the founders'
        /news; the same one the conversation service hands composed announcements to."""
        desk = self.service.announcements
        assert isinstance(desk, AnnouncementDesk)
        return desk

    def broadcaster(self) -> Broadcaster:
        """Sends running broadcasts at BROADCAST_RATE, the author's message edited in place."""
        store = self.broadcasts
        shown = ProgressMessage(
            store,
            self.channels,
            self.renderer,
            self.settings.default_locale,
            language_of=self._language_of,
        )
        return Broadcaster(
            store,
            self.channels,
            is_subscribed=self.is_subscribed or self.store.subscribers.is_subscribed,
            on_blocked=self.unsubscribe or self.store.subscribers.unsubscribe,
            on_progress=shown.progress,
            on_done=shown.done,
            rate_per_s=self.settings.broadcast_rate,
        )

    async def _language_of(self, member: Address) -> str | None:
        """A member's chosen language (None: the default)."""
        return (await self.store.prefs(member)).lang

    async def _purge(self, now: float) -> None:
        """Retention: delivered submissions lose their personal fields when it ends."""
        retention_s = self.settings.submission_retention_days * 86_400
        await self.store.privacy.backfill()  # once: what was delivered before retention
        while await self.store.privacy.purge_due(now, retention_s) > 0:
            pass

    def _tell_admins(self) -> OnDead:
        admins = [Address.telegram(admin) for admin in self.settings.admins()]

        async def on_dead(entry: OutboxEntry, reason: str) -> None:
            log.error("delivery of %s failed for good: %s", entry.reference, reason)
            text = self.renderer.text(
                Text(
                    N_(
                        "⚠️ Delivery of {reference} failed for good and was moved to the "
                        "dead-letter stream. Reason: {reason}"
                    ),
                    {"reference": entry.reference, "reason": Text.raw(reason)},
                ),
                self.settings.default_locale,
            )
            for admin in admins:
                try:
                    await self.channels.send(admin, [RenderedMessage(text)])
                except ChannelError as exc:
                    log.warning("could not tell admin %s: %s", admin, exc)

        return on_dead


def create_app(settings: Settings, redis: Redis) -> App:
    """Build and validate everything from settings."""
    policy = load_policy_data(settings.policy_file)
    flows = all_flows(policy)
    agencies = load_agencies(settings.agencies_file, [o.id for o in policy.offices])
    keys = KeyBuilder(settings.redis_prefix)
    try:
        cipher = FieldCipher.from_keys(settings.encryption_keys())
    except ValueError as exc:
        raise SettingsError(f"DATA_KEYS / DATA_KEY_FILE: {exc}") from exc
    try:
        font = load_font(settings.pdf_font_file)
    except FontError as exc:
        raise SettingsError(str(exc)) from None
    store = FounderStore(
        redis,
        [spec.id for spec in flows],
        cipher=cipher,
        sensitive=frozenset().union(*(spec.sensitive_fields for spec in flows)),
        keys=keys,
        draft_ttl=timedelta(days=settings.draft_ttl_days),
        profile_ttl=timedelta(days=settings.profile_ttl_days),
        replicas=settings.redis_wait_replicas,
        replica_wait=timedelta(milliseconds=settings.redis_wait_timeout_ms),
        lease=timedelta(seconds=settings.turn_lease),
        max_wait=timedelta(seconds=settings.turn_max_wait),
        cache_size=settings.state_cache_size,
    )
    renderer = Renderer(Catalogs(settings.locales_dir))
    channels = Channels(LocalChannel())
    reminders = DraftReminders(
        TimerStore(redis, keys),
        store,
        renderer,
        channels,
        {spec.id: spec.title for spec in flows},
        settings.default_locale,
    )
    desk = AnnouncementDesk(
        BroadcastStore(redis, keys),
        store.subscribers,
        RoleStore(redis, keys),
        TimerStore(redis, keys),
        renderer,
        channels,
        frozenset(settings.admins()),
        founders=store,
        default_locale=settings.default_locale,
        policy=policy,
    )
    service = ConversationService(
        Conversation(
            flows,
            policy,
            draft_days=round(settings.draft_ttl_days),
            profile_days=round(settings.profile_ttl_days),
            retention_days=round(settings.submission_retention_days),
            spell=renderer.spellings,
        ),
        store,
        renderer,
        default_locale=settings.default_locale,
        fallback_locale=settings.fallback_locale,
        fetch=channels.fetch,
        flood=FloodGate(settings.flood_rate, settings.flood_burst),
        send_file=channels.send_file,
        reminders=reminders,
        announcements=desk,
    )
    return App(
        settings,
        redis,
        policy,
        agencies,
        renderer,
        store,
        StatusStore(redis, keys),
        OutboxStore(redis, keys),
        service,
        font,
        channels,
        lifecycles={spec.id: spec.lifecycle for spec in flows},
    )


def create_service(settings: Settings, redis: Redis) -> ConversationService:
    """The conversation service alone (local chat and tests)."""
    return create_app(settings, redis).service
