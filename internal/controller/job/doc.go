// Package job owns the Job controller, as upstream's kube-controller-manager
// runs it, with two helpers: the cleanup of the tracking finalizer on
// orphan pods, and the TTL-after-finished controller. New returns all
// three as one runnable; events go out as component "job-controller".
//
// Reconcile(namespace/name) of a Job that has not finished:
//
//  1. claims pods (adopting orphans its selector matches and adding the
//     batch.kubernetes.io/job-tracking finalizer; releasing pods it no
//     longer matches);
//  2. counts them (observe): active, ready, terminating, and the pods that
//     finished since the last count, through the pod failure policy
//     (Ignore rules do not count towards backoffLimit);
//  3. decides (decide, failure): an existing SuccessCriteriaMet or
//     FailureTarget condition stands; otherwise a FailJob rule, more
//     failures than backoffLimit (or, for restartPolicy OnFailure,
//     container restarts reaching it), activeDeadlineSeconds, failed
//     indexes (backoffLimitPerIndex, maxFailedIndexes) or a success policy
//     finish the Job, and its active pods are deleted; else manage creates
//     pods up to min(parallelism, remaining completions) after the
//     failure back-off (10 s doubling up to 10 min since the last failure,
//     reset by a success), or deletes surplus pods, or all pods of a
//     suspended Job (JobSuspended condition, Suspended/Resumed events);
//  4. tracks (track): finished pods holding the finalizer are written to
//     status.uncountedTerminatedPods, lose the finalizer, then move into
//     status.succeeded/failed; the interim FailureTarget or
//     SuccessCriteriaMet (reason CompletionsReached) condition is written
//     first and the final Failed or Complete condition (with
//     completionTime and the Completed, BackoffLimitExceeded,
//     DeadlineExceeded, PodFailurePolicy ... event) once no pod is
//     uncounted or terminating, as upstream v1.33 does.
//
// Indexed Jobs give each pod a completion index (annotation and label
// batch.kubernetes.io/job-completion-index, hostname <job>-<index>,
// JOB_COMPLETION_INDEX in every container) and report
// status.completedIndexes and, with backoffLimitPerIndex,
// status.failedIndexes; per-index failure counts travel on the pods in
// the batch.kubernetes.io/job-index-failure-count annotations.
//
// The decisions are pure functions of the Job, its pods and the injected
// clock (decide.go, indexed.go, perindex.go, failurepolicy.go); the
// reconcilers perform them (reconcile.go, manage.go, tracking.go,
// pods.go, ttl.go). Pod creations and deletions and finalizer removals
// are tracked as expectations so a pass never acts on a cache that has
// not caught up with the previous one.
package job
