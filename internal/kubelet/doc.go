// Package kubelet is the node agent's core: it registers a Node, keeps its
// Lease and status fresh, and drives the pods bound to the node through a
// container runtime it declares (Runtime), writing their status back
// through pods/status. It talks to the API only through client-go.
//
// The package is a pure core with a thin driver. The decisions are plain
// functions of their inputs and a clock: nodeConditions and nodeStatusDue
// (node status), leaseDue and renewLease (heartbeats), decide (what a pod
// worker does next: create the sandbox, start an init container or a
// container, wait out a CrashLoopBackOff, stop the pod) and podStatus
// (phase, conditions and containerStatuses from what the runtime reports).
// Kubelet and its pod workers perform those decisions against the API and
// the Runtime.
//
// A driver calls, in order:
//
//	k, err := kubelet.New(kubelet.Config{NodeName: "n1", Client: cs, Runtime: rt})
//	if err := k.Register(ctx); err != nil { ... }   // create or update the Node
//	go k.RunPods(ctx)                                // pod workers, until ctx ends
//	for range ticker.C { k.Heartbeat(ctx) }          // Lease every 10 s, status every 5 min or on change
//
// and feeds it the pods bound to the node with HandlePod and HandlePodDeleted
// (from an informer on spec.nodeName=<node>, or one informer shared by many
// hollow nodes). Run does all of this for a single node with its own
// informer and ticker.
//
// One goroutine works each pod. It wakes on a pod update, a runtime event
// (Runtime.SetNotify) or the end of a back-off, syncs the pod, and writes
// its status when it differs from what the API holds: one merge patch of
// pods/status per change, Pending to Running in one write when the
// runtime starts containers at once. Until the watch brings the pod it
// patched, a worker takes the status it wrote as the API's (statusBase),
// and it keeps the conditions and fields other writers own (mergeStatus).
// A sandbox never waits on a GET of the Node, except in the first seconds
// after registration while node IPAM has not yet been seen to assign the
// node a pod range (podCIDRReadDue). When a pod gets a
// deletionTimestamp the worker stops its containers within the grace period
// and confirms the deletion with a delete of grace period 0 and a UID
// precondition. Pods in a terminal phase are never restarted.
package kubelet
