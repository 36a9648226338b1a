package rbac

import (
	"sort"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// aggregatedRules are the rules an aggregating cluster role holds: the
// rules of every other cluster role its selectors match, selector by
// selector, roles in name order, each distinct rule once, as upstream's
// clusterrole-aggregation controller computes them. ok is false for a role
// without an aggregation rule.
func aggregatedRules(role *rbacv1.ClusterRole, all []*rbacv1.ClusterRole) (rules []rbacv1.PolicyRule, ok bool) {
	if role.AggregationRule == nil {
		return nil, false
	}
	sorted := append([]*rbacv1.ClusterRole(nil), all...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	rules = []rbacv1.PolicyRule{}
	for i := range role.AggregationRule.ClusterRoleSelectors {
		sel, err := metav1.LabelSelectorAsSelector(&role.AggregationRule.ClusterRoleSelectors[i])
		if err != nil {
			// An invalid selector matches nothing, as validation rejects it.
			continue
		}
		for _, other := range sorted {
			if other.Name == role.Name || !sel.Matches(labels.Set(other.Labels)) {
				continue
			}
			for _, r := range other.Rules {
				if !hasRule(rules, r) {
					rules = append(rules, r)
				}
			}
		}
	}
	return rules, true
}

func hasRule(rules []rbacv1.PolicyRule, r rbacv1.PolicyRule) bool {
	for i := range rules {
		if equality.Semantic.DeepEqual(rules[i], r) {
			return true
		}
	}
	return false
}

// aggregateAll returns copies of roles with every aggregating role's rules
// computed, repeating until nothing changes so that chains (view into
// edit into admin) settle in one call.
func aggregateAll(roles []*rbacv1.ClusterRole) []*rbacv1.ClusterRole {
	out := make([]*rbacv1.ClusterRole, len(roles))
	for i, r := range roles {
		out[i] = r.DeepCopy()
	}
	for pass := 0; pass <= len(out); pass++ {
		changed := false
		for _, r := range out {
			rules, ok := aggregatedRules(r, out)
			if ok && !equality.Semantic.DeepEqual(rules, r.Rules) {
				r.Rules = rules
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	return out
}
