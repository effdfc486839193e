#!/usr/bin/env bash
# Makes sure redis-server is installed: from Debian's package when missing and we may.
set -euo pipefail
command -v redis-server >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "redis-server missing: installing Debian's package" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq redis-server >/dev/null
else
  echo "redis-server is not installed; install it (apt-get install redis-server) or set REDIS_URL" >&2
  exit 1
fi
