// Package statefulset owns the StatefulSet controller: it keeps one pod
// per ordinal of every StatefulSet, each with a stable name, hostname and
// storage, and rolls them between ControllerRevisions, as upstream's
// StatefulSet controller does.
//
// Reconcile(namespace/name):
//
//  1. claims pods (adopts orphans the selector matches, releases owned
//     pods it no longer matches) and ControllerRevisions;
//  2. finds or creates the update revision (a snapshot of spec.template,
//     see package history) and the current revision (status.currentRevision);
//  3. unless pod creations or deletions it asked for are still unseen
//     in its cache (expectations, as the ReplicaSet controller keeps),
//     computes a plan (plan.go, pure): pods <set>-<i> for ordinals
//     [spec.ordinals.start, start+replicas) to create, failed pods to
//     recreate, condemned pods (ordinals out of range) to delete highest
//     first, and outdated pods to replace for RollingUpdate (highest
//     ordinal first, down to the partition, at most maxUnavailable
//     unhealthy at once; one at a time without maxUnavailable). Under
//     OrderedReady every step waits for the pods before it to be Running,
//     Ready and available for minReadySeconds; Parallel does not wait
//     (except between rolling-update replacements). OnDelete replaces
//     nothing: deleted pods come back at the update revision;
//  4. performs it: PVCs <template>-<set>-<i> from volumeClaimTemplates,
//     owned per persistentVolumeClaimRetentionPolicy (whenDeleted Delete:
//     owned by the set; whenScaled Delete: owned by the condemned pod just
//     before it is deleted), then pods, with upstream's events;
//  5. writes status (replicas, readyReplicas, currentReplicas,
//     updatedReplicas, availableReplicas, currentRevision, updateRevision,
//     collisionCount, observedGeneration) and trims revisions beyond
//     revisionHistoryLimit that no pod uses.
//
// `kubectl rollout status|history|undo statefulset` read and apply the
// ControllerRevisions and status this controller writes.
package statefulset
