package rbac

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"

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
	rules, err := a.policy.Load().rules(ref, ns)
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
	owned, resolveErr := a.RulesFor(u, ns)
	missing := missingRules(owned, rules)
	if len(missing) == 0 {
		return nil
	}
	lines := make([]string, 0, len(missing))
	for _, r := range missing {
		lines = append(lines, compactString(r))
	}
	msg := fmt.Sprintf("user %q (groups=%q) is attempting to grant RBAC permissions not currently held:\n%s",
		u.Name, u.Groups, strings.Join(lines, "\n"))
	if resolveErr != nil {
		msg += fmt.Sprintf("; resolution errors: %v", resolveErr)
	}
	return errors.New(msg)
}

// missingRules breaks requested into atomic rules (one verb, group,
// resource and name, or one verb and URL) and returns those no owned rule
// covers, merged per resource as upstream's CompactRules and sorted.
func missingRules(owned, requested []rbacv1.PolicyRule) []rbacv1.PolicyRule {
	var missing []rbacv1.PolicyRule
	for _, req := range requested {
		for _, atom := range breakdown(req) {
			if !coveredByAny(owned, atom) {
				missing = append(missing, atom)
			}
		}
	}
	return compact(missing)
}

func breakdown(r rbacv1.PolicyRule) []rbacv1.PolicyRule {
	var out []rbacv1.PolicyRule
	for _, verb := range r.Verbs {
		for _, url := range r.NonResourceURLs {
			out = append(out, rbacv1.PolicyRule{Verbs: []string{verb}, NonResourceURLs: []string{url}})
		}
		for _, grp := range r.APIGroups {
			for _, res := range r.Resources {
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

// compact merges atomic rules that differ only in their verb.
func compact(rules []rbacv1.PolicyRule) []rbacv1.PolicyRule {
	type key struct{ group, resource, name, url string }
	merged := map[key]*rbacv1.PolicyRule{}
	var order []key
	for _, r := range rules {
		var k key
		if len(r.NonResourceURLs) > 0 {
			k.url = r.NonResourceURLs[0]
		} else {
			k.group, k.resource = r.APIGroups[0], r.Resources[0]
			if len(r.ResourceNames) > 0 {
				k.name = r.ResourceNames[0]
			}
		}
		if m, ok := merged[k]; ok {
			if !has(m.Verbs, r.Verbs[0]) {
				m.Verbs = append(m.Verbs, r.Verbs[0])
			}
			continue
		}
		c := r
		c.Verbs = append([]string(nil), r.Verbs...)
		merged[k] = &c
		order = append(order, k)
	}
	out := make([]rbacv1.PolicyRule, 0, len(order))
	for _, k := range order {
		out = append(out, *merged[k])
	}
	sort.SliceStable(out, func(i, j int) bool { return compactString(out[i]) < compactString(out[j]) })
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

type authorizerKey struct{}

// WithAuthorizer returns ctx carrying a, whose rules the escalation check
// (CheckWrite) resolves.
func WithAuthorizer(ctx context.Context, a *Authorizer) context.Context {
	return context.WithValue(ctx, authorizerKey{}, a)
}

// AuthorizerFrom returns the RBAC authorizer of a request context.
func AuthorizerFrom(ctx context.Context) (*Authorizer, bool) {
	a, ok := ctx.Value(authorizerKey{}).(*Authorizer)
	return a, ok
}

// Inject wraps next so that requests carry a (WithAuthorizer).
func (a *Authorizer) Inject(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(WithAuthorizer(r.Context(), a)))
	})
}
