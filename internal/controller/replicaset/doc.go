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
// The same reconciler serves ReplicationControllers: NewFor takes a Kind
// that converts the owner's objects to ReplicaSets and writes status back
// (internal/controller/replicationcontroller supplies it), as upstream runs
// its ReplicaSet controller on converted ReplicationControllers. Events
// (SuccessfulCreate, FailedCreate, SuccessfulDelete, FailedDelete) name
// the original kind.
//
// The decisions are pure functions (rank.go, status.go, batches in
// slowstart.go); reconcile.go performs them.
package replicaset
