#!/usr/bin/env bash
# Runs every test. Builds and downloads first, then runs the tests inside a
# private network namespace (loopback only), so no test can reach beyond
# this machine. Usage: scripts/test.sh [go test args...]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

export GOFLAGS="${GOFLAGS:--mod=mod}"
go mod download
go vet ./...
unformatted=$(gofmt -l cmd internal test)
if [ -n "$unformatted" ]; then
	echo "gofmt needed on:" $unformatted >&2
	exit 1
fi
mkdir -p bin
# The binary users get (Makefile: a static build).
CGO_ENABLED=0 go build -o bin/skiff ./cmd/skiff
# Compile every test binary now, while modules can still be fetched.
go test -count=1 -run '^$' ./... >/dev/null

export SKIFF_BIN="$PWD/bin/skiff"
args=("$@")
if [ ${#args[@]} -eq 0 ]; then
  args=(-count=1 -timeout 25m ./...)
fi
exec unshare --net -- bash -c 'ip link set lo up && GOPROXY=off GOFLAGS=-mod=mod exec go test "$@"' bash "${args[@]}"
