// Package scheduler owns the Skiff scheduler: the scheduling queue, the
// cache of nodes and placed pods, the scheduling cycle and the binder. It
// talks to the API only through client-go.
//
// The loop, as upstream's kube-scheduler:
//
//	informers -> Cache (bound pods, nodes)      Queue (pending pods of our profiles)
//	for {
//		pod := queue.Pop()                      // activeQ, PrioritySort order
//		cache.UpdateSnapshot(snapshot)          // copy nodes changed since last cycle
//		PreFilter; the nominated node first; else Filter nodes (parallelism
//		        workers, round robin, until percentageOfNodesToScore fit),
//		        counting pods nominated there of equal or higher priority;
//		on none: PostFilter (preemption: victims deleted, the pod nominated),
//		        FailedScheduling event, PodScheduled=False, queue.AddUnschedulable
//		PreScore; Score; NormalizeScore; weights; select the best (random tie-break)
//		cache.AssumePod; Reserve (on failure: every Unreserve, in reverse,
//		        ForgetPod, FailedScheduling)
//		go bindingCycle: PreBind; bind (pods/binding); on any failure every
//		        Unreserve, ForgetPod, FailedScheduling, back off
//	}
//
// Profiles run queueSort, preFilter, filter, postFilter, preScore, score,
// reserve and preBind plugins (multiPoint spreads over the points each
// plugin implements); enabling a plugin at permit, bind or postBind, or
// at a point it does not implement, fails New. Config.Informers lets the
// scheduler share the process's informer factory: it then never shuts it
// down and removes its event handlers when Run returns. PersistentVolume,
// PersistentVolumeClaim and StorageClass informers start only when an
// enabled plugin registers events about them.
//
// Unschedulable pods wait in a pool until a cluster event that one of the
// rejecting plugins registered for (EventsToRegister) happens, or five
// minutes pass. Backoff is podInitialBackoffSeconds (1 s) doubling to
// podMaxBackoffSeconds (10 s), on an injected clock. When several servers
// run, an Elector lets only the holder of the Lease schedule (a fresh
// Scheduler per term).
//
// Memory layout. A cycle reads hundreds of NodeInfos of the snapshot in
// list order, so the snapshot keeps them side by side in one block
// (Snapshot.compact, again once an eighth of them were replaced), and a
// NodeInfo copies the node fields every cycle reads (name, unschedulable,
// taints): the first touch of each node is then no cache miss.
//
// Profiles and plugin weights come from a KubeSchedulerConfiguration file
// (LoadConfig); NewRegistry lists the in-tree plugins explicitly. Pods
// whose spec.schedulerName names no profile are left alone, and so are
// pods with spec.schedulingGates (upstream's SchedulingGates PreEnqueue
// plugin, always on) until an update removes the last gate.
package scheduler
