// Package deployment owns the Deployment controller: it rolls a Deployment's
// pods from one ReplicaSet to the next, as upstream's deployment controller
// does.
//
// Reconcile(namespace/name) claims the ReplicaSets the Deployment controls,
// finds (or creates) the new one, whose template equals the Deployment's
// apart from the pod-template-hash label, and then
//
//   - RollingUpdate: scales the new ReplicaSet up while the total stays
//     within replicas+maxSurge, and the old ones down while the available
//     pods stay at or above replicas-maxUnavailable (surge rounds up,
//     unavailable rounds down, as upstream; unhealthy old pods go first);
//   - Recreate: scales every old ReplicaSet to zero, waits for their pods to
//     go, then scales the new one up.
//
// It keeps the deployment.kubernetes.io/revision annotations (a rollback
// to an older template moves that ReplicaSet to the newest revision and
// adds its old one to deployment.kubernetes.io/revision-history), copies
// the Deployment's own annotations onto its new ReplicaSet (the
// kubernetes.io/change-cause that kubectl rollout history shows),
// deletes old ReplicaSets beyond revisionHistoryLimit, and writes status
// with the Progressing and Available conditions that kubectl rollout status
// reads. A paused Deployment only gets its status written.
//
// The step sizes are pure functions in rollout.go; reconcile.go and
// sync.go perform them.
package deployment
