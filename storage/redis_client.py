"""Where Redis is and how to reach it: one server (`redis://`, `rediss://`, `unix://`), a primary
found through Sentinel (`redis+sentinel://`) or a Redis Cluster (`redis-cluster://`), parsed
into a `RedisTarget`; `sentinel_client` and `cluster_client` build the latter two's clients.

What works on `RedisCluster` (redis-py 8.1, checked against a real cluster in
tests/bot/test_redis_cluster.py; every store's suite runs there too): `register_script` and calling it (EVALSHA goes to the node of
the first key's slot, every key in one slot or RedisClusterException; NOSCRIPT loads the script
on every primary and retries), `pipeline(transaction=True)` when every key is in one slot
(CrossSlotTransactionError otherwise), `scan_iter` (every primary in turn), `mget` of keys in
one slot, and the stream commands on one key (`xreadgroup` with `block` holds one connection
of that node). What differs: a node's connections are capped by `max_connections` and a burst
beyond it fails with MaxConnectionsError instead of waiting, and a command that timed out is
retried (the cluster client retries timeouts and connection errors alike), and a new client
must learn the cluster through one command before it is used concurrently (concurrent first
commands race: some fail and are retried, applied twice), as the bot's `ping` at start-up does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeAlias
from urllib.parse import unquote, urlsplit

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool

RedisClient: TypeAlias = Redis | RedisCluster  # what a store may be given
SENTINEL_SCHEME, CLUSTER_SCHEME = "redis+sentinel", "redis-cluster"
SENTINEL_PORT, REDIS_PORT = 26379, 6379
Mode = Literal["single", "sentinel", "cluster"]


@dataclass(frozen=True)
class RedisTarget:
    """The Redis the bot uses. `url` is the single server's URL; `nodes` are the sentinels (or
    the cluster's seed nodes); `username`/`password` open the data nodes and
    `sentinel_password` the sentinels."""

    mode: Mode
    url: str = ""
    nodes: tuple[tuple[str, int], ...] = ()
    master: str = ""
    db: int = 0
    username: str | None = None
    password: str | None = None
    sentinel_password: str | None = None
    ssl: bool = False

    def describe(self) -> str:
        """Which mode and where, without credentials (for `check` and the logs)."""
        hosts = ",".join(f"{host}:{port}" for host, port in self.nodes)
        if self.mode == "sentinel":
            return f"Sentinel: primary {self.master!r} (db {self.db}) found through {hosts}"
        if self.mode == "cluster":
            return f"Redis Cluster: seed nodes {hosts}"
        parts = urlsplit(self.url)
        where = parts.path if parts.scheme == "unix" else f"{parts.hostname}:{parts.port or 6379}"
        return f"one Redis server at {where}"


def parse_target(
    url: str,
    *,
    cluster: bool = False,
    sentinels: str = "",
    sentinel_master: str = "",
    sentinel_password: str | None = None,
) -> RedisTarget:
    """REDIS_URL with REDIS_CLUSTER, REDIS_SENTINELS, REDIS_SENTINEL_MASTER and
    REDIS_SENTINEL_PASSWORD as a target; ValueError naming the variables when they disagree."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("redis", "rediss", "unix", SENTINEL_SCHEME, CLUSTER_SCHEME):
        raise ValueError(f"REDIS_URL: unknown scheme {parts.scheme!r}")
    creds, _, hosts = parts.netloc.rpartition("@")
    username, password = _credentials(creds)
    path = [p for p in parts.path.split("/") if p]
    if scheme == SENTINEL_SCHEME or sentinels:
        if cluster or scheme == CLUSTER_SCHEME:
            raise ValueError("REDIS_SENTINELS / redis+sentinel:// cannot be used with a cluster")
        if scheme not in ("redis", SENTINEL_SCHEME):
            raise ValueError(
                f"REDIS_SENTINELS: REDIS_URL gives the credentials and db as redis://, not {scheme}"
            )
        if scheme == SENTINEL_SCHEME:
            master, db = (path[0] if path else ""), (path[1] if len(path) > 1 else "0")
            nodes = _nodes(hosts, SENTINEL_PORT, "REDIS_URL")
        else:  # REDIS_URL carries the credentials and the db; its host is not used
            master, db = sentinel_master, (path[0] if path else "0")
            nodes = _nodes(sentinels, SENTINEL_PORT, "REDIS_SENTINELS")
        if not master:
            raise ValueError(
                "Sentinel needs the primary's name: redis+sentinel://host:26379/<name> "
                "or REDIS_SENTINEL_MASTER"
            )
        if not db.isdigit():
            raise ValueError(f"REDIS_URL: the database must be a number, not {db!r}")
        return RedisTarget(
            "sentinel", url, nodes, master, int(db), username, password, sentinel_password
        )
    if scheme == CLUSTER_SCHEME or cluster:
        if scheme == "unix":
            raise ValueError("REDIS_CLUSTER: a cluster is reached over TCP, not unix://")
        if path and path[0] != "0":
            raise ValueError("REDIS_CLUSTER: a cluster has database 0 only")
        nodes = _nodes(hosts, REDIS_PORT, "REDIS_URL")
        return RedisTarget(
            "cluster", url, nodes, username=username, password=password, ssl=scheme == "rediss"
        )
    return RedisTarget("single", url)


def _credentials(creds: str) -> tuple[str | None, str | None]:
    if not creds:
        return None, None
    user, colon, password = creds.partition(":")
    return (unquote(user) or None), (unquote(password) if colon else None)


def _nodes(hosts: str, default_port: int, variable: str) -> tuple[tuple[str, int], ...]:
    found = []
    for item in (h.strip() for h in hosts.split(",")):
        if not item:
            continue
        host, colon, port = item.rpartition(":") if ":" in item else (item, "", "")
        if colon and not port.isdigit():
            raise ValueError(f"{variable}: bad port in {item!r}")
        found.append((host.strip("[]"), int(port) if colon else default_port))
    if not found:
        raise ValueError(f"{variable}: no host:port given")
    return tuple(found)


class BlockingSentinelPool(SentinelConnectionPool, BlockingConnectionPool):
    """Sentinel's pool (connects to whichever node the sentinels name primary, and drops its
    idle connections when that changes) that waits for a free connection under a burst, as
    the single server's pool does; closing it for good also closes the sentinels' clients."""

    async def disconnect(self, inuse_connections: bool = True) -> None:
        await super().disconnect(inuse_connections)
        if inuse_connections:  # the client's aclose(), not a change of primary
            await self.sentinel_manager.aclose()


def sentinel_client(target: RedisTarget, **options: Any) -> Redis:
    """A client of the primary the sentinels name; `options` as for a BlockingConnectionPool
    (max_connections, timeout, socket timeouts, retry, health_check_interval)."""
    sentinel_options = {k: v for k, v in options.items() if k.startswith("socket_")}
    if target.sentinel_password:
        sentinel_options["password"] = target.sentinel_password
    sentinel = Sentinel(list(target.nodes), sentinel_kwargs=sentinel_options)  # type: ignore[no-untyped-call]
    client: Redis = sentinel.master_for(
        target.master,
        redis_class=Redis,
        connection_pool_class=BlockingSentinelPool,
        db=target.db,
        username=target.username,
        password=target.password,
        **options,
    )
    return client


def cluster_client(target: RedisTarget, **options: Any) -> RedisCluster:
    """A Redis Cluster client from the seed nodes; `options`: max_connections (per node),
    socket timeouts, retry (its count is the cluster's retries), health_check_interval."""
    return RedisCluster(
        startup_nodes=[ClusterNode(host, port) for host, port in target.nodes],
        username=target.username,
        password=target.password,
        ssl=target.ssl,
        **options,
    )
