#!/usr/bin/env bash
# Installs, with apt-get, what building and testing Skiff needs beyond Go:
# iproute2 (ip) and util-linux (unshare) for private network namespaces.
# Idempotent; installs nothing that is already there.
set -euo pipefail
need=()
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}"
fi
