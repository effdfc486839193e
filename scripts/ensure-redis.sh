#!/usr/bin/env bash
# Makes sure redis-server (and redis-cli, which joins the tests' Redis Cluster) is installed,
# and HAProxy, the load balancer of the scale-out test and bench (tests/scale_harness.py):
# from Debian's packages when missing and we may.
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "${missing[*]} missing: installing Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "${missing[*]} not installed; install them (apt-get install ${missing[*]}) or set REDIS_URL" >&2
  exit 1
fi
