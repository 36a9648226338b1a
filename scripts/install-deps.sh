#!/usr/bin/env bash
# Installs, with apt-get, what building and testing Skiff needs beyond Go:
# iproute2 (ip) and util-linux (unshare) for private network namespaces,
# and etcd-server (etcd) for the tests of `skiff server --etcd-servers`
# against an external etcd cluster, which start their own members.
# Idempotent; installs nothing that is already there.
set -euo pipefail
need=()
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
# etcd-server's package would start an etcd service on the default ports;
# the tests start the members they need. policy-rc.d (exit 101) tells the
# package scripts not to start services; an existing one is left alone.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}"
# The package also enables its service for the next boot; an etcd this
# script installed is only for the tests, so it is not started at boot
# either (works without a running systemd).
if [[ " ${need[*]} " == *" etcd-server "* ]] && command -v systemctl >/dev/null 2>&1; then
  systemctl --no-reload disable etcd.service >/dev/null 2>&1 || true
fi
