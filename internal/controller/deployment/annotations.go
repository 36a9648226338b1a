package deployment

import (
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// Annotations upstream writes on ReplicaSets besides the revision and
// the sizes (status.go).
const (
	// revisionHistoryAnnotation lists the revisions a ReplicaSet had
	// before a rollback made it the newest again, oldest first.
	revisionHistoryAnnotation = "deployment.kubernetes.io/revision-history"
	// maxRevisionHistoryChars caps that list, as upstream's
	// maxRevHistoryLengthInChars.
	maxRevisionHistoryChars = 2000
	// deprecatedRollbackTo is the extensions/v1beta1 rollback request.
	deprecatedRollbackTo = "deprecated.deployment.rollback.to"
)

// notCopied are the Deployment annotations its ReplicaSets do not take:
// the controller's own, and kubectl's last applied configuration.
var notCopied = map[string]bool{
	corev1.LastAppliedConfigAnnotation: true,
	revisionAnnotation:                 true,
	revisionHistoryAnnotation:          true,
	desiredReplicasAnnotation:          true,
	maxReplicasAnnotation:              true,
	deprecatedRollbackTo:               true,
}

// setNewRSAnnotations brings the annotations of rs, d's new ReplicaSet, up
// to date as upstream's SetNewReplicaSetAnnotations: d's own annotations
// are copied (kubernetes.io/change-cause among them, which kubectl rollout
// history shows), none removed; the revision is raised to newRevision if
// lower, and a revision rs had before (a rollback to its template) is
// appended to its revision history. It reports whether it changed rs.
func setNewRSAnnotations(d *appsv1.Deployment, rs *appsv1.ReplicaSet, newRevision int64) bool {
	if rs.Annotations == nil {
		rs.Annotations = map[string]string{}
	}
	changed := false
	for k, v := range d.Annotations {
		if have, ok := rs.Annotations[k]; notCopied[k] || (ok && have == v) {
			continue
		}
		rs.Annotations[k] = v
		changed = true
	}
	old, had := rs.Annotations[revisionAnnotation]
	oldRevision, err := strconv.ParseInt(old, 10, 64)
	if err != nil && old != "" {
		return changed // not a number: left alone, as upstream
	}
	if oldRevision >= newRevision {
		return changed
	}
	rs.Annotations[revisionAnnotation] = strconv.FormatInt(newRevision, 10)
	if had {
		rs.Annotations[revisionHistoryAnnotation] = appendRevisionHistory(rs.Annotations[revisionHistoryAnnotation], old)
	}
	return true
}

// appendRevisionHistory appends rev to the comma-separated history,
// dropping the oldest entries to stay within maxRevisionHistoryChars; if
// rev alone does not fit, the history stays as it was.
func appendRevisionHistory(history, rev string) string {
	if history == "" {
		return rev
	}
	revs := strings.Split(history, ",")
	total := len(history) + len(rev) + 1
	start := 0
	for total > maxRevisionHistoryChars && start < len(revs) {
		total -= len(revs[start]) + 1
		start++
	}
	if total > maxRevisionHistoryChars {
		return history
	}
	return strings.Join(append(revs[start:], rev), ",")
}
