"""A real local Sentinel set-up for tests: a primary, one replica and `sentinels` sentinels
(`redis-server sentinel.conf --sentinel`) watching them with a quorum of a majority, a down
detection of 1.5 s and a failover timeout of 3 s, so a failover completes in a few seconds.
(At 500 ms a loaded 2-core machine saw the sentinels fail over on their own, before or after
the test's failover; the tests check there was exactly one.)"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import redis
from redis_cluster import HarnessError, answers, free_port, redis_server, wait_until

MASTER = "smebot-primary"
DOWN_AFTER_MS, FAILOVER_TIMEOUT_MS = 1500, 3000


class LocalSentinel:
    """`primary` and `replica` are ports; `url` is what REDIS_URL takes (redis+sentinel://)."""

    def __init__(self, folder: Path, sentinels: int = 1) -> None:
        self.folder = folder
        self.primary, self.replica = free_port(), free_port()
        self.sentinels = [free_port() for _ in range(sentinels)]
        self.procs: dict[int, subprocess.Popen[bytes]] = {}

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{p}" for p in self.sentinels)
        return f"redis+sentinel://{hosts}/{MASTER}"

    def start(self) -> None:
        """The pair replicating, and every sentinel seeing both."""
        no_delay = ["--repl-diskless-sync-delay", "0"]  # a replica syncs at once, not after 5 s
        self.procs[self.primary] = redis_server(self.folder / "primary", self.primary, *no_delay)
        replica_of = ["--replicaof", "127.0.0.1", str(self.primary)]
        self.procs[self.replica] = redis_server(
            self.folder / "replica", self.replica, *replica_of, *no_delay
        )
        wait_until("the replica in sync", lambda: self._linked(self.replica))
        wait_until("the replica acknowledging", lambda: self._acked(self.primary))
        quorum = len(self.sentinels) // 2 + 1
        for port in self.sentinels:
            folder = self.folder / f"sentinel-{port}"
            folder.mkdir(parents=True)
            conf = folder / "sentinel.conf"  # sentinel rewrites it: a file of its own
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {folder}\n"
                f"sentinel monitor {MASTER} 127.0.0.1 {self.primary} {quorum}\n"
                f"sentinel down-after-milliseconds {MASTER} {DOWN_AFTER_MS}\n"
                f"sentinel failover-timeout {MASTER} {FAILOVER_TIMEOUT_MS}\n"
                f"sentinel parallel-syncs {MASTER} 1\n"
            )
            self.procs[port] = redis_server(folder, port, "--sentinel", config=conf)
        for port in self.sentinels:
            wait_until(f"sentinel {port} seeing the replica", lambda port=port: self._sees(port))

    def _linked(self, port: int) -> bool:
        client = redis.Redis(port=port, socket_timeout=1)
        try:
            return client.info("replication").get("master_link_status") == "up"
        finally:
            client.close()

    @staticmethod
    def _acked(primary: int) -> bool:
        """The primary's replica acknowledges its writes (right after a sync, Redis 7.0's
        replica may leave the first WAIT unanswered until its once-a-second ack)."""
        client = redis.Redis(port=primary, socket_timeout=1)
        try:
            pipe = client.pipeline(transaction=False)
            pipe.publish("harness", b"")
            pipe.wait(1, 100)
            return int(pipe.execute()[1]) >= 1
        finally:
            client.close()

    def _sees(self, port: int) -> bool:
        client = redis.Redis(port=port, socket_timeout=1)
        try:
            replicas = client.sentinel_slaves(MASTER)
            return any(r["port"] == self.replica and not r["is_sdown"] for r in replicas)
        finally:
            client.close()

    def primary_port(self, sentinel: int | None = None) -> int:
        """The primary's port as a sentinel names it now."""
        client = redis.Redis(port=sentinel or self.sentinels[0], socket_timeout=1)
        try:
            _, port = client.sentinel_get_master_addr_by_name(MASTER)
            return int(port)
        finally:
            client.close()

    def failovers(self) -> int:
        """How many failovers the sentinels have made (the master's config epoch)."""
        client = redis.Redis(port=self.sentinels[0], socket_timeout=1)
        try:
            return int(client.sentinel_master(MASTER)["config-epoch"])
        finally:
            client.close()

    def kill_primary(self) -> None:
        """SIGKILL: no shutdown, nothing flushed, as a host that died."""
        proc = self.procs.pop(self.primary)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def wait_promoted(self, timeout_s: float = 15.0) -> None:
        """Until every sentinel names the replica primary and it takes writes."""
        for port in self.sentinels:
            wait_until(
                f"sentinel {port} naming the replica primary",
                lambda port=port: self.primary_port(port) == self.replica,
                timeout_s,
            )
        wait_until("the promoted replica answering", lambda: answers(self.replica), timeout_s)

    def rejoin_old_primary(self) -> None:
        """Start the killed primary again, empty, as the promoted one's replica (as an operator
        or sentinel would), and wait until it is in sync. It has replica priority 0: on a
        loaded machine a sentinel that misses the promoted primary's pings for a while would
        otherwise fail over a second time, to this freshly synced node, and the test would
        no longer be about one failover."""
        replica_of = ["--replicaof", "127.0.0.1", str(self.replica)]
        settings = ["--repl-diskless-sync-delay", "0", "--replica-priority", "0"]
        folder = self.folder / "primary-again"
        self.procs[self.primary] = redis_server(folder, self.primary, *replica_of, *settings)
        wait_until("the old primary in sync as a replica", lambda: self._linked(self.primary))
        wait_until("the old primary acknowledging", lambda: self._acked(self.replica))

    def pause_replica(self) -> None:
        """SIGSTOP the replica: it stops acknowledging what the primary sends it (what was sent
        waits in its socket, and it reads that when resumed)."""
        os.kill(self.procs[self.replica].pid, signal.SIGSTOP)

    def cut_replica(self) -> None:
        """Pause the replica and have the primary drop its link: what the primary writes from
        now on reaches no replica until the replica reconnects (it cannot while paused)."""
        self.pause_replica()
        client = redis.Redis(port=self.primary, socket_timeout=1)
        try:
            client.client_kill_filter(_type="replica")
        finally:
            client.close()

    def resume_replica(self) -> None:
        os.kill(self.procs[self.replica].pid, signal.SIGCONT)

    def stop(self) -> None:
        for proc in self.procs.values():
            os.kill(proc.pid, signal.SIGCONT)
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()


__all__ = ["MASTER", "HarnessError", "LocalSentinel"]
