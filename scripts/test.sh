#!/usr/bin/env bash
# Runs every test. Builds and downloads first, then runs the tests inside a
# private network namespace (loopback only), so no test can reach beyond
# this machine. Usage: scripts/test.sh [go test args...]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

export GOFLAGS="${GOFLAGS:--mod=mod}"
# Tests are compiled as the binary is: static, and with its profile for
# profile-guided optimisation (cmd/skiff/default.pgo). Then every package
# is compiled once, for the binary and the tests alike; a test build with
# cgo or without the profile would compile them all a second time.
export CGO_ENABLED=0
export GOFLAGS="$GOFLAGS -pgo=cmd/skiff/default.pgo"
go mod download
go vet ./...
unformatted=$(gofmt -l cmd internal test)
if [ -n "$unformatted" ]; then
	echo "gofmt needed on:" $unformatted >&2
	exit 1
fi
mkdir -p bin
# The binary users get (Makefile: a static build).
go build -o bin/skiff ./cmd/skiff
# Compile every test binary now, while modules can still be fetched.
go test -count=1 -run '^$' ./... >/dev/null

export SKIFF_BIN="$PWD/bin/skiff"
args=("$@")
if [ ${#args[@]} -eq 0 ]; then
  args=(-count=1 -timeout 25m ./...)
fi
exec unshare --net -- bash -c 'ip link set lo up && GOPROXY=off exec go test "$@"' bash "${args[@]}"
