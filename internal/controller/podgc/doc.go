// Package podgc owns the pod garbage collector, as upstream's podgc
// controller in kube-controller-manager: every check period (20 s, or a
// quarter of the quarantine when that is shorter) it
//
//   - deletes terminated pods (phase Succeeded or Failed) beyond the
//     threshold (--terminated-pod-gc-threshold, 12500; 0 turns this off),
//     evicted ones first, then the oldest;
//   - deletes pods bound to a node that no longer exists: a node missing
//     from the cache is quarantined (40 s, upstream's quarantineTime) and
//     then confirmed gone with a GET before its pods are marked Failed with
//     the DisruptionTarget condition (reason DeletionByPodGC, "PodGC: node
//     no longer exists") and force-deleted;
//   - force-deletes terminating pods that were never scheduled, and
//     terminating pods on a not-Ready node carrying the
//     node.kubernetes.io/out-of-service taint, marking them Failed first.
//
// Which pods go is decided by pure functions in decide.go; gc.go performs
// the deletions. Time comes from Config.Now.
package podgc
