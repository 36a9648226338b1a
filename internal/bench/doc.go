// Package bench owns `skiff bench api`: a benchmark of the API server as a
// user meets it. It starts a real `skiff server` as a child process (a temp
// data dir, 127.0.0.1, a free port), drives it with client-go over HTTPS and
// prints what it measured; it never fails on time.
//
// What Run measures, in order:
//
//  1. startup: from exec of the child to the first "ok" from /readyz;
//  2. idle RSS: VmRSS of the child (/proc/<pid>/status) once it has settled;
//  3. CRUD: for each namespace size in Config.Sizes, a namespace is filled
//     with that many ConfigMaps, then create (Count more), delete (what
//     create added), get, update (unconditional, no resourceVersion) and
//     list (the whole namespace) run with Config.Workers workers, each row
//     giving p50/p99 latency and ops/s;
//  4. watch fan-out: Config.Watchers watches on one ConfigMap, one update,
//     and per watcher the time its event arrived minus the time the update
//     returned;
//  5. RSS with Config.Objects Pods stored (and the create row of that fill),
//     read three times: as the fill ends; once the server has gone quiet
//     (under 5 % of a core over a second), for when the last create returns
//     the scheduler is still marking the pods it cannot place and storing
//     their events; and Config.Rest later, at rest. The goal uses the
//     reading once quiet;
//  6. a restart on the same data dir: startup and RSS with those Pods.
//
// The child is stopped by its PID (SIGTERM, then SIGKILL) and the temp dir
// removed before Run returns. Typical use:
//
//	rep, err := bench.Run(ctx, bench.Config{Binary: exe, Progress: os.Stderr})
//	if err != nil {
//		return err
//	}
//	rep.WriteTable(os.Stdout)
//
// `skiff bench scheduler` (RunScheduler, sched*.go) measures the
// scheduler alone on upstream scheduler_perf's SchedulingBasic shape (Node
// objects without kubelets, throughput sampled each second as upstream's
// collector) and end to end on hollow nodes (a `skiff agent --simulate`
// child; pod startup from creation to Running seen through a watch, on a
// burst of pods and then, as ClusterLoader2's density test, on latency
// pods created at a steady rate while the burst's pods stay).
// `skiff bench rollout` (RunRollout, rollout.go) rolls a large Deployment
// to a new image and records the worst availability and surge a pod watch
// saw. Both start their servers and agents as child processes, as above.
//
// Network safety: run it inside a private network namespace, as
// docs/benchmarks.md shows; it only ever listens on and dials 127.0.0.1.
package bench
