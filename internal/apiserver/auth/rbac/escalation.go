package rbac

import (
	"errors"
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"

	"github.com/skiff-dev/skiff/internal/apiserver/auth"
)

// CheckWrite is upstream's escalation prevention for a create or update
// of a Role, ClusterRole, RoleBinding or ClusterRoleBinding by u (old is
// the stored object on update, nil on create); other objects pass. It
// returns the reason to forbid the write, or nil:
//
//   - a role may hold only rules u holds where it applies (the role's
//     namespace, or cluster-wide for a ClusterRole), unless u may
//     `escalate` it; a ClusterRole with an aggregationRule needs every
//     right ("must have cluster-admin privileges to use the
//     aggregationRule");
//   - a binding may refer only to a role whose rules u holds in the
//     binding's namespace, unless u may `bind` that role.
//
// az decides escalate and bind (the whole authorizer chain, as upstream).
// Members of system:masters pass, as upstream's EscalationAllowed.
func (a *Authorizer) CheckWrite(az auth.Authorizer, u auth.User, obj, old runtime.Object) error {
	for _, g := range u.Groups {
		if g == PrivilegedGroup {
			return nil
		}
	}
	switch o := obj.(type) {
	case *rbacv1.Role:
		if prev, ok := old.(*rbacv1.Role); ok && equality.Semantic.DeepEqual(prev.Rules, o.Rules) {
			return nil
		}
		if escalateAllowed(az, u, "roles", o.Namespace, o.Name) {
			return nil
		}
		return a.confirmNoEscalation(u, o.Namespace, o.Rules)
	case *rbacv1.ClusterRole:
		prev, _ := old.(*rbacv1.ClusterRole)
		if prev != nil && equality.Semantic.DeepEqual(prev.Rules, o.Rules) &&
			equality.Semantic.DeepEqual(prev.AggregationRule, o.AggregationRule) {
			return nil
		}
		if escalateAllowed(az, u, "clusterroles", "", o.Name) {
			return nil
		}
		if o.AggregationRule != nil && (prev == nil || !equality.Semantic.DeepEqual(prev.AggregationRule, o.AggregationRule)) {
			full := []rbacv1.PolicyRule{rule(v("*"), g("*"), "*"), urls(v("*"), "*")}
			if a.confirmNoEscalation(u, "", full) != nil {
				return errors.New("must have cluster-admin privileges to use the aggregationRule")
			}
			return nil
		}
		return a.confirmNoEscalation(u, "", o.Rules)
	case *rbacv1.RoleBinding:
		if prev, ok := old.(*rbacv1.RoleBinding); ok && prev.RoleRef == o.RoleRef && equality.Semantic.DeepEqual(prev.Subjects, o.Subjects) {
			return nil
		}
		return a.checkBinding(az, u, o.RoleRef, o.Namespace)
	case *rbacv1.ClusterRoleBinding:
		if prev, ok := old.(*rbacv1.ClusterRoleBinding); ok && prev.RoleRef == o.RoleRef && equality.Semantic.DeepEqual(prev.Subjects, o.Subjects) {
			return nil
		}
		return a.checkBinding(az, u, o.RoleRef, "")
	}
	return nil
}

// checkBinding allows a binding to ref in ns when u may bind the role or
// holds all its rules there.
func (a *Authorizer) checkBinding(az auth.Authorizer, u auth.User, ref rbacv1.RoleRef, ns string) error {
	resource := "clusterroles"
	if ref.Kind == "Role" {
		resource = "roles"
	}
	if allowed, _ := az.Authorize(u, rbacAttrs("bind", resource, ns, ref.Name)); allowed {
		return nil
	}
	rules, err := a.policy.Load().rulesNamed(ref, ns, storageNames)
	if err != nil {
		return err
	}
	return a.confirmNoEscalation(u, ns, rules)
}

func escalateAllowed(az auth.Authorizer, u auth.User, resource, ns, name string) bool {
	allowed, _ := az.Authorize(u, rbacAttrs("escalate", resource, ns, name))
	return allowed
}

func rbacAttrs(verb, resource, ns, name string) auth.Attributes {
	return auth.Attributes{ResourceRequest: true, Verb: verb, APIGroup: rbacv1.GroupName, APIVersion: "v1",
		Resource: resource, Namespace: ns, Name: name}
}

// confirmNoEscalation fails with upstream's message when u does not hold
// every rule of rules in ns.
func (a *Authorizer) confirmNoEscalation(u auth.User, ns string, rules []rbacv1.PolicyRule) error {
	owned, resolveErr := a.rulesFor(u, ns, storageNames)
	missing := missingRules(owned, rules)
	if len(missing) == 0 {
		return nil
	}
	return escalationError(u, missing, resolveErr)
}

// escalationError is upstream's ConfirmNoEscalation error: the missing
// rules compacted, one CompactString a line, deduplicated and sorted;
// errors resolving u's own rules follow as "; resolution errors: [...]".
func escalationError(u auth.User, missing []rbacv1.PolicyRule, resolveErr error) error {
	lines := sets.New[string]()
	for _, r := range compactRules(missing) {
		lines.Insert(compactString(r))
	}
	msg := fmt.Sprintf("user %q (groups=%q) is attempting to grant RBAC permissions not currently held:\n%s",
		u.Name, u.Groups, strings.Join(sets.List(lines), "\n"))
	if resolveErr != nil {
		msg += fmt.Sprintf("; resolution errors: %v", []error{resolveErr})
	}
	return errors.New(msg)
}

// missingRules breaks requested into atomic rules (one verb, group,
// resource and name, or one verb and URL) and returns those no owned rule
// covers, as upstream's Covers.
func missingRules(owned, requested []rbacv1.PolicyRule) []rbacv1.PolicyRule {
	var missing []rbacv1.PolicyRule
	for _, req := range requested {
		for _, atom := range breakdown(req) {
			if !coveredByAny(owned, atom) {
				missing = append(missing, atom)
			}
		}
	}
	return missing
}

func breakdown(r rbacv1.PolicyRule) []rbacv1.PolicyRule {
	var out []rbacv1.PolicyRule
	for _, grp := range r.APIGroups {
		for _, res := range r.Resources {
			for _, verb := range r.Verbs {
				if len(r.ResourceNames) == 0 {
					out = append(out, rbacv1.PolicyRule{Verbs: []string{verb}, APIGroups: []string{grp}, Resources: []string{res}})
				}
				for _, name := range r.ResourceNames {
					out = append(out, rbacv1.PolicyRule{Verbs: []string{verb}, APIGroups: []string{grp},
						Resources: []string{res}, ResourceNames: []string{name}})
				}
			}
		}
	}
	for _, url := range r.NonResourceURLs {
		for _, verb := range r.Verbs {
			out = append(out, rbacv1.PolicyRule{Verbs: []string{verb}, NonResourceURLs: []string{url}})
		}
	}
	return out
}

func coveredByAny(owned []rbacv1.PolicyRule, atom rbacv1.PolicyRule) bool {
	for i := range owned {
		if covers(&owned[i], &atom) {
			return true
		}
	}
	return false
}

// covers reports whether owner grants everything the atomic rule does, as
// upstream's ruleCovers: wildcards in the request are covered only by
// wildcards; "*/sub" covers any resource's subresource sub.
func covers(owner, atom *rbacv1.PolicyRule) bool {
	if !has(owner.Verbs, rbacv1.VerbAll) && !has(owner.Verbs, atom.Verbs[0]) {
		return false
	}
	if len(atom.NonResourceURLs) > 0 {
		url := atom.NonResourceURLs[0]
		for _, o := range owner.NonResourceURLs {
			if o == rbacv1.NonResourceAll || o == url ||
				(strings.HasSuffix(o, "*") && strings.HasPrefix(url, strings.TrimSuffix(o, "*"))) {
				return true
			}
		}
		return false
	}
	if !has(owner.APIGroups, rbacv1.APIGroupAll) && !has(owner.APIGroups, atom.APIGroups[0]) {
		return false
	}
	res := atom.Resources[0]
	if !has(owner.Resources, rbacv1.ResourceAll) && !has(owner.Resources, res) {
		_, sub, isSub := strings.Cut(res, "/")
		if !isSub || !has(owner.Resources, "*/"+sub) {
			return false
		}
	}
	if len(owner.ResourceNames) == 0 {
		return true
	}
	return len(atom.ResourceNames) == 1 && has(owner.ResourceNames, atom.ResourceNames[0])
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// compactRules merges rules of one API group and one resource, with at
// most one resource name and no URLs, that differ only in their verbs, as
// upstream's CompactRules: verbs are appended in order, duplicates kept.
// Other rules (non-resource URLs) are kept as they are.
func compactRules(rules []rbacv1.PolicyRule) []rbacv1.PolicyRule {
	type key struct {
		group, resource, name string
		named                 bool
	}
	merged := map[key]*rbacv1.PolicyRule{}
	var order []key
	var out []rbacv1.PolicyRule
	for _, r := range rules {
		if len(r.NonResourceURLs) > 0 || len(r.ResourceNames) > 1 || len(r.APIGroups) != 1 || len(r.Resources) != 1 {
			out = append(out, r)
			continue
		}
		k := key{group: r.APIGroups[0], resource: r.Resources[0]}
		if len(r.ResourceNames) == 1 {
			k.name, k.named = r.ResourceNames[0], true
		}
		if m, ok := merged[k]; ok {
			m.Verbs = append(m.Verbs, r.Verbs...)
			continue
		}
		c := *r.DeepCopy()
		merged[k] = &c
		order = append(order, k)
	}
	for _, k := range order {
		out = append(out, *merged[k])
	}
	return out
}

// compactString is upstream's CompactString of a rule, e.g.
// {APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}.
func compactString(r rbacv1.PolicyRule) string {
	var parts []string
	if len(r.APIGroups) > 0 {
		parts = append(parts, fmt.Sprintf("APIGroups:%q", r.APIGroups))
	}
	if len(r.Resources) > 0 {
		parts = append(parts, fmt.Sprintf("Resources:%q", r.Resources))
	}
	if len(r.NonResourceURLs) > 0 {
		parts = append(parts, fmt.Sprintf("NonResourceURLs:%q", r.NonResourceURLs))
	}
	if len(r.ResourceNames) > 0 {
		parts = append(parts, fmt.Sprintf("ResourceNames:%q", r.ResourceNames))
	}
	if len(r.Verbs) > 0 {
		parts = append(parts, fmt.Sprintf("Verbs:%q", r.Verbs))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// In finds the RBAC authorizer in az, the authorizer of a request (one
// of a Union's members, at any depth), whose rules the escalation check
// (CheckWrite) resolves.
func In(az auth.Authorizer) (*Authorizer, bool) {
	switch a := az.(type) {
	case *Authorizer:
		return a, true
	case auth.Union:
		for _, m := range a {
			if found, ok := In(m); ok {
				return found, true
			}
		}
	}
	return nil, false
}
