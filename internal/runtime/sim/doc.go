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
package sim
