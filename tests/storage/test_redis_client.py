"""REDIS_URL and its companions parsed into a target: one server, Sentinel or a Cluster."""

from __future__ import annotations

import pytest

from storage.redis_client import RedisTarget, parse_target


def test_a_plain_url_is_one_server_and_keeps_the_url() -> None:
    for url in ("redis://localhost:6379/0", "rediss://u:p@db.example:6380/2", "unix:///tmp/r.sock"):
        target = parse_target(url)
        assert (target.mode, target.url) == ("single", url)
    assert parse_target("redis://r.example/0").describe() == "one Redis server at r.example:6379"
    assert parse_target("unix:///tmp/r.sock").describe() == "one Redis server at /tmp/r.sock"


def test_a_sentinel_url_names_the_sentinels_the_primary_and_the_db() -> None:
    target = parse_target("redis+sentinel://app:s%40cret@s1:26379,s2,[::1]:26380/main/3")
    assert target == RedisTarget(
        "sentinel",
        "redis+sentinel://app:s%40cret@s1:26379,s2,[::1]:26380/main/3",
        (("s1", 26379), ("s2", 26379), ("::1", 26380)),
        "main",
        3,
        "app",
        "s@cret",
    )
    assert "cret" not in target.describe()
    assert (
        target.describe()
        == "Sentinel: primary 'main' (db 3) found through s1:26379,s2:26379,::1:26380"
    )


def test_the_sentinel_settings_take_the_credentials_and_db_from_the_url() -> None:
    target = parse_target(
        "redis://:pw@ignored/1", sentinels="a:1, b:2", sentinel_master="m", sentinel_password="sp"
    )
    assert (target.mode, target.nodes, target.master, target.db) == (
        "sentinel",
        (("a", 1), ("b", 2)),
        "m",
        1,
    )
    assert (target.username, target.password, target.sentinel_password) == (None, "pw", "sp")


def test_a_cluster_is_named_by_its_scheme_or_the_setting() -> None:
    target = parse_target("redis-cluster://u:p@n1:7000,n2:7001")
    assert (target.mode, target.nodes, target.username, target.password) == (
        "cluster",
        (("n1", 7000), ("n2", 7001)),
        "u",
        "p",
    )
    seeded = parse_target("rediss://n1:7000/0", cluster=True)
    assert (seeded.mode, seeded.nodes, seeded.ssl) == ("cluster", (("n1", 7000),), True)


@pytest.mark.parametrize(
    ("url", "options", "message"),
    [
        ("redis+sentinel://s1:26379", {}, "primary's name"),
        ("redis://x/0", {"sentinels": "s1"}, "REDIS_SENTINEL_MASTER"),
        ("redis+sentinel://s1/m/zero", {}, "must be a number"),
        ("redis+sentinel://s1/m", {"cluster": True}, "cannot be used with a cluster"),
        ("unix:///tmp/r.sock", {"sentinels": "s1", "sentinel_master": "m"}, "not unix"),
        ("redis-cluster://n1:7000/2", {}, "database 0 only"),
        ("unix:///tmp/r.sock", {"cluster": True}, "not unix://"),
        ("redis-cluster://n1:x", {}, "bad port"),
        ("redis-cluster://", {}, "no host:port"),
        ("http://x", {}, "unknown scheme"),
    ],
)
def test_settings_that_disagree_are_refused_naming_the_variables(
    url: str, options: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        parse_target(url, **options)  # type: ignore[arg-type]
