"""HAProxy for the scale-out harness: where its program is, skipping without it, and the
configuration of a round-robin balancer over the bot processes."""

from __future__ import annotations

import os
import shutil

import pytest


def haproxy_path() -> str | None:
    """HAProxy's program (Debian puts it in /usr/sbin, not on every user's PATH)."""
    return shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")


def require_haproxy() -> None:
    """Skip when HAProxy is missing here (Debian: haproxy); in CI (`CI` set) fail instead:
    `.ci/run` and scripts/ensure-redis.sh install it, so missing means broken."""
    if haproxy_path() is None:
        reason = "haproxy not installed (Debian: haproxy): the scale-out test balances with it"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def haproxy_config(port: int, backends: list[int]) -> str:
    """Round robin over `backends`, health-checked on /healthz twice a second; a request the
    server never took (connection refused) is sent to another one, not a sent one (not idempotent
    in HAProxy's eyes: Telegram redelivers it instead)."""
    servers = "\n".join(
        f"  server bot{i} 127.0.0.1:{p} check inter 500ms fall 1 rise 1"
        for i, p in enumerate(backends)
    )
    return f"""global
  maxconn 2000
defaults
  mode http
  timeout connect 1s
  timeout client 60s
  timeout server 60s
  retries 2
  option redispatch
frontend telegram
  bind 127.0.0.1:{port}
  default_backend bots
backend bots
  balance roundrobin
  option httpchk GET /healthz
{servers}
"""
