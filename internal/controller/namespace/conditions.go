package namespace

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// report is what one deletion pass found.
type report struct {
	// discoveryErr is why discovery failed for some groups, if it did.
	discoveryErr error
	// badGroupVersions are group versions discovery returned that do not
	// parse.
	badGroupVersions []string
	// contentErrs are the failed deletions and lists, one per resource.
	contentErrs []error
	// remaining counts the objects left, by "resource.group".
	remaining map[string]int
	// finalizers counts the objects left, by finalizer they carry.
	finalizers map[string]int
}

// conditionTypes are upstream's namespace deletion conditions, in upstream's
// order.
var conditionTypes = []corev1.NamespaceConditionType{
	corev1.NamespaceDeletionDiscoveryFailure,
	corev1.NamespaceDeletionGVParsingFailure,
	corev1.NamespaceDeletionContentFailure,
	corev1.NamespaceContentRemaining,
	corev1.NamespaceFinalizersRemaining,
}

// conditions returns the deletion conditions a report implies, without
// transition times.
func conditions(r report) []corev1.NamespaceCondition {
	out := []corev1.NamespaceCondition{
		{Type: corev1.NamespaceDeletionDiscoveryFailure, Status: corev1.ConditionFalse,
			Reason: "ResourcesDiscovered", Message: "All resources successfully discovered"},
		{Type: corev1.NamespaceDeletionGVParsingFailure, Status: corev1.ConditionFalse,
			Reason: "ParsedGroupVersions", Message: "All legacy kube types successfully parsed"},
		{Type: corev1.NamespaceDeletionContentFailure, Status: corev1.ConditionFalse,
			Reason: "ContentDeleted", Message: "All content successfully deleted, may be waiting on finalization"},
		{Type: corev1.NamespaceContentRemaining, Status: corev1.ConditionFalse,
			Reason: "ContentRemoved", Message: "All content successfully removed"},
		{Type: corev1.NamespaceFinalizersRemaining, Status: corev1.ConditionFalse,
			Reason: "ContentHasNoFinalizers", Message: "All content-preserving finalizers finished"},
	}
	if r.discoveryErr != nil {
		out[0] = corev1.NamespaceCondition{Type: out[0].Type, Status: corev1.ConditionTrue,
			Reason: "DiscoveryFailed", Message: fmt.Sprintf("Discovery failed for some groups: %v", r.discoveryErr)}
	}
	if len(r.badGroupVersions) > 0 {
		out[1] = corev1.NamespaceCondition{Type: out[1].Type, Status: corev1.ConditionTrue, Reason: "GroupVersionParsingFailed",
			Message: fmt.Sprintf("Failed to parse group versions: %s", strings.Join(r.badGroupVersions, ", "))}
	}
	if len(r.contentErrs) > 0 {
		msgs := make([]string, len(r.contentErrs))
		for i, e := range r.contentErrs {
			msgs[i] = e.Error()
		}
		out[2] = corev1.NamespaceCondition{Type: out[2].Type, Status: corev1.ConditionTrue, Reason: "ContentDeletionFailed",
			Message: fmt.Sprintf("Failed to delete all resource types, %d remaining: %s", len(msgs), strings.Join(msgs, ", "))}
	}
	if len(r.remaining) > 0 {
		out[3] = corev1.NamespaceCondition{Type: out[3].Type, Status: corev1.ConditionTrue, Reason: "SomeResourcesRemain",
			Message: "Some resources are remaining: " + counts(r.remaining, "%s has %d resource instances")}
	}
	if len(r.finalizers) > 0 {
		out[4] = corev1.NamespaceCondition{Type: out[4].Type, Status: corev1.ConditionTrue, Reason: "SomeFinalizersRemain",
			Message: "Some content in the namespace has finalizers remaining: " + counts(r.finalizers, "%s in %d resource instances")}
	}
	return out
}

// counts formats a count map, sorted by key, joined by ", ".
func counts(m map[string]int, format string) string {
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf(format, k, m[k])
	}
	return strings.Join(parts, ", ")
}

// merge returns the namespace's conditions with want applied: conditions of
// other types are kept, a condition whose status did not change keeps its
// transition time, others get now. changed reports whether anything
// differs from current.
func merge(current, want []corev1.NamespaceCondition, now metav1.Time) (out []corev1.NamespaceCondition, changed bool) {
	byType := map[corev1.NamespaceConditionType]corev1.NamespaceCondition{}
	for _, c := range current {
		byType[c.Type] = c
	}
	for _, c := range current {
		if !slices.Contains(conditionTypes, c.Type) {
			out = append(out, c)
		}
	}
	for _, w := range want {
		old, ok := byType[w.Type]
		switch {
		case ok && old.Status == w.Status && old.Reason == w.Reason && old.Message == w.Message:
			out = append(out, old)
			continue
		case ok && old.Status == w.Status:
			w.LastTransitionTime = old.LastTransitionTime
		default:
			w.LastTransitionTime = now
		}
		changed = true
		out = append(out, w)
	}
	return out, changed
}
