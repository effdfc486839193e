"""The Redis mode settings (REDIS_CLUSTER, REDIS_SENTINEL_*, REDIS_WAIT_*) validated at start."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.config import Settings


def test_the_sentinel_settings_are_read_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://:pw@unused/0")
    monkeypatch.setenv("REDIS_SENTINELS", "s1:26379,s2:26379")
    monkeypatch.setenv("REDIS_SENTINEL_MASTER", "main")
    monkeypatch.setenv("REDIS_SENTINEL_PASSWORD", "sp")
    monkeypatch.setenv("REDIS_WAIT_REPLICAS", "1")
    settings = Settings()
    target = settings.redis_target()
    assert (target.mode, target.master, target.password) == ("sentinel", "main", "pw")
    assert target.sentinel_password == "sp"
    assert settings.redis_wait_replicas == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"redis_url": "redis+sentinel://s1"}, "primary's name"),
        ({"redis_url": "redis-cluster://n1:7000", "redis_wait_replicas": 1}, "not supported"),
        ({"redis_wait_replicas": 1, "redis_wait_timeout_ms": 5000}, "below REDIS_SOCKET_TIMEOUT"),
        ({"redis_wait_replicas": -1}, "greater than or equal to 0"),
    ],
)
def test_redis_settings_that_cannot_work_are_refused(
    options: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(**options)  # type: ignore[arg-type]
