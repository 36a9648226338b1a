// Package replicaset owns the ReplicaSet controller: it keeps exactly
// spec.replicas active pods for every ReplicaSet and reports them in status,
// as upstream's ReplicaSet controller does.
//
// Reconcile(namespace/name):
//
//  1. waits while expectations (pod creations and deletions it asked for
//     but has not yet seen in its cache) are pending, so it never counts
//     the same shortfall twice and over-creates;
//  2. claims pods: adopts orphans its selector matches (controller
//     ownerReference), releases owned pods it no longer matches;
//  3. creates the missing pods in slow-start batches (1, 2, 4, ...; a
//     failing batch stops the rest) or deletes the surplus, ranked as
//     upstream (unassigned, pending, not ready, low deletion cost,
//     doubled up on a node, recently ready, restarted, young first);
//  4. writes replicas, fullyLabeledReplicas, readyReplicas,
//     availableReplicas (minReadySeconds), observedGeneration and the
//     ReplicaFailure condition.
//
// It reads only the pods it controls and its namespace's orphans (the pod
// informer's controller.PodControllerIndex). Pod status updates, and pod
// additions while a batch is still arriving, sync the owner after
// podUpdateBatch (100 ms), so that many fold into one sync; the rest sync
// at once.
//
// The same reconciler serves ReplicationControllers: NewFor takes a Kind
// that converts the owner's objects to ReplicaSets and writes status back
// (internal/controller/replicationcontroller supplies it), as upstream runs
// its ReplicaSet controller on converted ReplicationControllers. Events
// (SuccessfulCreate, FailedCreate, SuccessfulDelete, FailedDelete) name
// the original kind.
//
// The decisions are pure functions (rank.go, status.go); reconcile.go and
// manage.go (claiming, the slow-start batches) perform them.
package replicaset
