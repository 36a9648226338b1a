// Package disruption owns the PodDisruptionBudget controller: it writes the
// status of every PodDisruptionBudget as upstream's disruption controller
// does, so that the eviction subresource (internal/apiserver/eviction.go)
// can decide from status alone whether a voluntary disruption is allowed.
//
// Reconcile(namespace/name):
//
//  1. lists the pods the budget's selector matches (an empty selector
//     matches none, as upstream's controller);
//  2. computes expectedPods and desiredHealthy (decide.go): a
//     minAvailable number needs no controller; a minAvailable percentage
//     or any maxUnavailable is scaled against the replicas of the pods'
//     controllers, found through ReplicationControllers, Deployments (via
//     their ReplicaSets), ReplicaSets and StatefulSets, percentages
//     rounded up as upstream;
//  3. keeps the disruptedPods entries the eviction API wrote whose pod is
//     still there and not yet deleted, for at most two minutes each (an
//     expired entry raises a NotDeleted event on the pod), and requeues
//     the budget when the next one expires;
//  4. counts currentHealthy (ready pods, not being deleted, not in
//     disruptedPods), sets disruptionsAllowed = currentHealthy -
//     desiredHealthy (never below zero, zero when no pod is expected),
//     observedGeneration and the DisruptionAllowed condition with reason
//     SufficientPods or InsufficientPods. A failure to compute sets
//     disruptionsAllowed to zero and the condition to SyncFailed.
//
// spec.unhealthyPodEvictionPolicy is read by the eviction subresource, not
// here: it decides whether a pod that is not ready may be evicted without
// consuming a disruption.
//
// The decisions are pure functions in decide.go; reconcile.go reads the
// caches and writes status and events (component "controllermanager", as
// upstream's disruption controller).
package disruption
