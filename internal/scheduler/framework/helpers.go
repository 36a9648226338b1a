package framework

import (
	"fmt"
	"sort"
	"strings"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// DefaultNormalizeScore scales scores so the highest becomes maxPriority;
// with reverse, the scale is flipped (high raw scores become low). All
// zeroes stay zero (or maxPriority when reversed), as upstream.
func DefaultNormalizeScore(maxPriority int64, reverse bool, scores NodeScoreList) *Status {
	var top int64
	for _, s := range scores {
		top = max(top, s.Score)
	}
	if top == 0 {
		if reverse {
			for i := range scores {
				scores[i].Score = maxPriority
			}
		}
		return nil
	}
	for i := range scores {
		s := maxPriority * scores[i].Score / top
		if reverse {
			s = maxPriority - s
		}
		scores[i].Score = s
	}
	return nil
}

// PodPriority is the pod's priority, 0 when unset.
func PodPriority(pod *v1.Pod) int32 {
	if pod.Spec.Priority != nil {
		return *pod.Spec.Priority
	}
	return 0
}

// RequiredNodeAffinityMatches reports whether node satisfies pod's
// spec.nodeSelector and its required node affinity.
func RequiredNodeAffinityMatches(pod *v1.Pod, node *v1.Node) bool {
	if len(pod.Spec.NodeSelector) > 0 && !labels.SelectorFromSet(pod.Spec.NodeSelector).Matches(labels.Set(node.Labels)) {
		return false
	}
	a := pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return true
	}
	return MatchNodeSelectorTerms(node, a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms)
}

// MatchNodeSelectorTerms reports whether node matches any of the terms
// (terms are ORed, requirements inside a term ANDed). An empty list
// matches nothing, as upstream.
func MatchNodeSelectorTerms(node *v1.Node, terms []v1.NodeSelectorTerm) bool {
	for _, t := range terms {
		if MatchNodeSelectorTerm(node, &t) {
			return true
		}
	}
	return false
}

// MatchNodeSelectorTerm reports whether node satisfies one term. A term
// with no requirements matches nothing.
func MatchNodeSelectorTerm(node *v1.Node, t *v1.NodeSelectorTerm) bool {
	if len(t.MatchExpressions) == 0 && len(t.MatchFields) == 0 {
		return false
	}
	if len(t.MatchExpressions) > 0 {
		sel, ok := requirementsSelector(t.MatchExpressions)
		if !ok || !sel.Matches(labels.Set(node.Labels)) {
			return false
		}
	}
	if len(t.MatchFields) > 0 {
		sel, ok := requirementsSelector(t.MatchFields)
		if !ok || !sel.Matches(labels.Set{"metadata.name": node.Name}) {
			return false
		}
	}
	return true
}

func requirementsSelector(reqs []v1.NodeSelectorRequirement) (labels.Selector, bool) {
	sel := labels.NewSelector()
	for _, r := range reqs {
		var op selection.Operator
		switch r.Operator {
		case v1.NodeSelectorOpIn:
			op = selection.In
		case v1.NodeSelectorOpNotIn:
			op = selection.NotIn
		case v1.NodeSelectorOpExists:
			op = selection.Exists
		case v1.NodeSelectorOpDoesNotExist:
			op = selection.DoesNotExist
		case v1.NodeSelectorOpGt:
			op = selection.GreaterThan
		case v1.NodeSelectorOpLt:
			op = selection.LessThan
		default:
			return nil, false
		}
		req, err := labels.NewRequirement(r.Key, op, r.Values)
		if err != nil {
			return nil, false
		}
		sel = sel.Add(*req)
	}
	return sel, true
}

// TolerationsTolerateTaint reports whether any toleration tolerates taint.
func TolerationsTolerateTaint(tolerations []v1.Toleration, taint *v1.Taint) bool {
	for i := range tolerations {
		if tolerates(&tolerations[i], taint) {
			return true
		}
	}
	return false
}

// tolerates is upstream's Toleration.ToleratesTaint for the Equal and
// Exists operators.
func tolerates(t *v1.Toleration, taint *v1.Taint) bool {
	if t.Effect != "" && t.Effect != taint.Effect {
		return false
	}
	if t.Key != "" && t.Key != taint.Key {
		return false
	}
	switch t.Operator {
	case "", v1.TolerationOpEqual:
		return t.Value == taint.Value
	case v1.TolerationOpExists:
		return true
	}
	return false
}

// FindUntoleratedTaint returns the first taint with an effect accepted by
// filter that no toleration tolerates.
func FindUntoleratedTaint(taints []v1.Taint, tolerations []v1.Toleration, filter func(*v1.Taint) bool) (v1.Taint, bool) {
	for i := range taints {
		if filter != nil && !filter(&taints[i]) {
			continue
		}
		if !TolerationsTolerateTaint(tolerations, &taints[i]) {
			return taints[i], true
		}
	}
	return v1.Taint{}, false
}

// NoNodeAvailableMsg begins every "nothing fits" message, as upstream.
const NoNodeAvailableMsg = "0/%v nodes are available"

// FitMessage is upstream's FitError message: "0/N nodes are available: "
// then "COUNT REASON" for each distinct reason, sorted as strings, joined
// with ", " and ended with a period.
func FitMessage(numNodes int, statuses NodeToStatus) string {
	hist := map[string]int{}
	for _, s := range statuses {
		for _, r := range s.Reasons() {
			hist[r]++
		}
	}
	parts := make([]string, 0, len(hist))
	for r, n := range hist {
		parts = append(parts, fmt.Sprintf("%d %s", n, r))
	}
	sort.Strings(parts)
	return fmt.Sprintf(NoNodeAvailableMsg+": %s.", numNodes, strings.Join(parts, ", "))
}
