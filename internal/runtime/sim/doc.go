// Package sim is a simulated container runtime: it implements
// kubelet.Runtime without running any process, so that one process can
// host many hollow nodes. Containers "start" after Config.StartLatency,
// init containers complete at once after starting, and the others run
// until told otherwise. Pod IPs come from the node's pod CIDR (SetPodCIDR)
// or, before one is assigned, from Config.PodCIDR (see NodeCIDR).
//
// Tests steer it by pod namespace and name: Crash ends a running container
// with an exit code, CrashOnStart makes every start of a container fail at
// once, and SetReady sets a container's readiness probe result. Each
// change calls the kubelet's notify function.
//
// A pod can also make its regular containers exit on their own, which is
// how Jobs complete on hollow nodes: the annotation
// sim.skiff.dev/exit-after (a Go duration, e.g. "2s") ends every start of
// each regular container that long after it turns Running, with the exit
// code in sim.skiff.dev/exit-code (default 0). With restartPolicy Never
// the pod then turns Succeeded (code 0) or Failed; with OnFailure a
// non-zero exit restarts the container, which exits again after the same
// delay. Unparseable values are ignored (the container runs until told).
package sim
