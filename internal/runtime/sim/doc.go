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
// delay. A value that does not parse (or an exit code without a delay)
// is an error of StartContainer: no container of the pod starts.
//
// Running regular containers use resources, which ContainerStats reports
// (the kubelet serves it as /metrics/resource): a CPU rate in millicores
// and a memory working set in bytes. Both start from the pod's annotations
// sim.skiff.dev/cpu-usage and sim.skiff.dev/memory-usage,
// resource.Quantity strings ("250m", "64Mi") applying to each regular
// container (unset or unparseable: 0). SetUsage changes one container's
// values; like CrashOnStart the change outlives restarts of the container
// and a re-creation of the pod under the same name. CPU usage is
// cumulative core-seconds integrated over the runtime's clock: a container
// at 250m for 10 s and then at 1000m for 2 s has used 4.5 core-seconds,
// and a restarted container starts from 0. Exited containers report
// nothing.
//
//	rt.SetUsage("default", "web-0", "app", 500, 128<<20) // 500m, 128Mi
//
// A simulated container runs no process, so its log (ContainerLog, which
// the kubelet serves as /containerLogs for kubectl logs) is empty unless
// the pod's annotation sim.skiff.dev/log gives it text: each line of it
// is written to the log of every instance of every container of the pod,
// init containers included, at the moment that instance turns Running,
// stamped with that time. The log belongs to the instance: a restarted
// container starts a fresh log (with the annotation's lines again) and
// the one before stays readable as the previous instance's (the runtime
// keeps one previous instance). A follower of a log returns once its
// instance exits, its pod is removed or its context ends.
//
//	metadata:
//	  annotations:
//	    sim.skiff.dev/log: |
//	      starting
//	      listening on :8080
package sim
