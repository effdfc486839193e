"""Builds the running parts from settings: policy data, flows, Redis, store, catalogs, service."""

from __future__ import annotations

from datetime import timedelta

from redis.asyncio import Redis

from bot.config import Settings
from bot.i18n import Catalogs
from bot.render import Renderer
from bot.service import ConversationService
from flows.conversation import Conversation
from flows.policy import load_policy_data
from flows.registry import all_flows
from storage.crypto import FieldCipher
from storage.founders import FounderStore
from storage.keys import KeyBuilder


def create_redis(settings: Settings) -> Redis:
    return Redis.from_url(settings.redis_url, decode_responses=False)


def create_service(settings: Settings, redis: Redis) -> ConversationService:
    """Everything a channel needs, validated: a bad policy file or catalog stops start-up here."""
    policy = load_policy_data(settings.policy_file)
    flows = all_flows(policy)
    store = FounderStore(
        redis,
        [spec.id for spec in flows],
        cipher=FieldCipher.from_keys(settings.encryption_keys()),
        sensitive=frozenset().union(*(spec.sensitive_fields for spec in flows)),
        keys=KeyBuilder(settings.redis_prefix),
        draft_ttl=timedelta(days=settings.draft_ttl_days),
        profile_ttl=timedelta(days=settings.profile_ttl_days),
    )
    renderer = Renderer(Catalogs(settings.locales_dir))
    return ConversationService(
        Conversation(flows, policy, draft_days=round(settings.draft_ttl_days)),
        store,
        renderer,
        default_locale=settings.default_locale,
        fallback_locale=settings.fallback_locale,
    )
