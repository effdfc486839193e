#!/usr/bin/env bash
# Runs a command with REDIS_URL set. When REDIS_URL is unset, starts a private redis-server
# (AOF on, data under ./var/redis, on a unix socket) and stops it when the command exits.
set -euo pipefail
if [ -n "${REDIS_URL:-}" ]; then exec "$@"; fi
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/ensure-redis.sh"
data="$here/var/redis"
mkdir -p "$data"
sockdir=$(mktemp -d /tmp/smebot-redis.XXXXXX)
sock="$sockdir/redis.sock"
redis-server --port 0 --unixsocket "$sock" --unixsocketperm 700 --dir "$data" \
  --appendonly yes --save "" --daemonize no --logfile "$data/redis.log" &
redis_pid=$!
stop() { kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; rm -rf "$sockdir"; }
trap stop EXIT INT TERM
for _ in $(seq 1 100); do
  if redis-cli -s "$sock" ping >/dev/null 2>&1; then break; fi
  sleep 0.05
done
export REDIS_URL="unix://$sock"
"$@"
