#!/bin/bash
# pgo-profile.sh writes cmd/skiff/default.pgo, the CPU profile that `go build`
# uses to optimise the skiff binary (profile-guided optimisation; Go reads a
# main package's default.pgo on its own). The profile is the server's CPU
# while `skiff bench api` and `skiff bench scheduler` run against it (the
# requests, watches, writes, controllers and scheduler that a cluster spends
# its time in), and the node agent's in the scheduler bench's last
# end-to-end run (its hollow nodes' kubelets). Only the server and the agent
# are profiled, never the bench's own client.
#
# Run it as root on an idle machine (it needs kubectl on PATH to fetch the
# profiles, and unshare for a private network namespace). It takes about
# two and a half minutes. See docs/benchmarks.md, "Profile-guided optimisation".
set -euo pipefail

if [ "${1:-}" != "--inside" ]; then
	cd "$(dirname "$0")/.."
	command -v kubectl > /dev/null || { echo "pgo-profile: kubectl is not on PATH; it fetches the profiles" >&2; exit 1; }
	work=$(mktemp -d /tmp/skiff-pgo.XXXXXX)
	# The profiled binary is built without a profile, so that the new
	# profile describes plain code rather than the last optimisation.
	CGO_ENABLED=0 go build -pgo=off -o "$work/skiff" ./cmd/skiff
	unshare --net sh -c "ip link set lo up && exec '$PWD/scripts/pgo-profile.sh' --inside '$work'"
	profiles=("$work"/*.pprof)
	if [ ! -s "${profiles[0]}" ]; then
		echo "pgo-profile: no profile was taken; see the logs in $work" >&2
		exit 1
	fi
	# Merged beside the old profile first, so that a failure leaves it whole.
	go tool pprof -proto "${profiles[@]}" > "$work/default.pgo"
	mv "$work/default.pgo" cmd/skiff/default.pgo
	echo "pgo-profile: wrote cmd/skiff/default.pgo from ${#profiles[@]} profiles ($(du -k cmd/skiff/default.pgo | cut -f1) KiB); logs in $work"
	exit 0
fi

work=$2
n=0

# profile runs `skiff bench ARGS...` and profiles every server it starts,
# in 10-second pieces, until the bench ends.
profile() {
	local name=$1
	shift
	"$work/skiff" bench "$@" > "$work/$name.log" 2>&1 &
	local bench=$!
	while kill -0 "$bench" 2>/dev/null; do
		local server kubeconfig
		server=$(pgrep -P "$bench" -f ' server ' | head -1 || true)
		if [ -z "$server" ]; then
			sleep 0.2
			continue
		fi
		kubeconfig=$(tr '\0' '\n' < "/proc/$server/cmdline" | sed -n '/^--write-kubeconfig$/{n;p}')
		until [ -s "$kubeconfig" ] || ! kill -0 "$server" 2>/dev/null; do sleep 0.1; done
		while kill -0 "$server" 2>/dev/null; do
			n=$((n + 1))
			KUBECONFIG=$kubeconfig timeout 30 kubectl get --raw '/debug/pprof/profile?seconds=10' \
				> "$work/$name-$n.pprof" 2>/dev/null || rm -f "$work/$name-$n.pprof"
		done
	done
	wait "$bench"
}

profile api api
# The agent writes a profile of its whole run when it ends
# (SKIFF_AGENT_CPUPROFILE); each end-to-end run's agent replaces the last's.
SKIFF_AGENT_CPUPROFILE="$work/agent.pprof" profile scheduler scheduler
