// Package replicationcontroller owns the ReplicationController controller.
// It holds no reconcile logic of its own: as upstream, it runs the
// ReplicaSet controller (internal/controller/replicaset) on
// ReplicationControllers converted to ReplicaSets. This package supplies
// the conversion both ways (convert.go) and the replicaset.Kind that reads
// ReplicationControllers from their informer and writes their status.
//
// So a ReplicationController gets exactly what a ReplicaSet gets: the
// exact replica count, adoption and release of pods by its selector,
// slow-start creation, upstream's deletion ranking, status (replicas,
// fullyLabeledReplicas, readyReplicas, availableReplicas,
// observedGeneration) and the ReplicaFailure condition, with events from
// the "replication-controller" component that name the
// ReplicationController.
package replicationcontroller
