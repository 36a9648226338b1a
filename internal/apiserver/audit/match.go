package audit

import (
	"slices"
	"strings"

	"github.com/skiff-dev/skiff/internal/apiserver/auth"
)

// Decision is what the policy says about one request.
type Decision struct {
	Level             Level
	OmitStages        []Stage
	OmitManagedFields bool
}

// omits reports whether events of stage s are left out.
func (d Decision) omits(s Stage) bool { return slices.Contains(d.OmitStages, s) }

// Decide evaluates the policy for a request by u with attributes a: the
// first matching rule wins, no match is LevelNone. The policy's omitStages
// add to the rule's.
func (p *Policy) Decide(u auth.User, a auth.Attributes) Decision {
	for i := range p.Rules {
		r := &p.Rules[i]
		if !r.matches(u, a) {
			continue
		}
		d := Decision{Level: r.Level, OmitManagedFields: p.OmitManagedFields}
		d.OmitStages = append(append(d.OmitStages, p.OmitStages...), r.OmitStages...)
		if r.OmitManagedFields != nil {
			d.OmitManagedFields = *r.OmitManagedFields
		}
		return d
	}
	return Decision{Level: LevelNone}
}

// matches follows upstream's policy checker: users, groups and verbs
// first; then a rule with resources or namespaces matches only resource
// requests, and one with nonResourceURLs only non-resource requests.
func (r *PolicyRule) matches(u auth.User, a auth.Attributes) bool {
	if len(r.Users) > 0 && !slices.Contains(r.Users, u.Name) {
		return false
	}
	if len(r.UserGroups) > 0 && !slices.ContainsFunc(u.Groups, func(g string) bool { return slices.Contains(r.UserGroups, g) }) {
		return false
	}
	if len(r.Verbs) > 0 && !slices.Contains(r.Verbs, a.Verb) {
		return false
	}
	if len(r.Resources) > 0 || len(r.Namespaces) > 0 {
		return r.matchesResource(a)
	}
	if len(r.NonResourceURLs) > 0 {
		return !a.ResourceRequest && slices.ContainsFunc(r.NonResourceURLs, func(spec string) bool { return pathMatches(a.Path, spec) })
	}
	return true
}

func pathMatches(path, spec string) bool {
	if spec == "*" || spec == path {
		return true
	}
	prefix, wild := strings.CutSuffix(spec, "*")
	return wild && strings.HasPrefix(path, prefix)
}

func (r *PolicyRule) matchesResource(a auth.Attributes) bool {
	if !a.ResourceRequest {
		return false
	}
	// Cluster-scoped resources have the namespace "".
	if len(r.Namespaces) > 0 && !slices.Contains(r.Namespaces, a.Namespace) {
		return false
	}
	if len(r.Resources) == 0 {
		return true
	}
	for _, gr := range r.Resources {
		if gr.Group != a.APIGroup {
			continue
		}
		if len(gr.Resources) == 0 {
			return true
		}
		if len(gr.ResourceNames) > 0 && !slices.Contains(gr.ResourceNames, a.Name) {
			continue
		}
		if slices.ContainsFunc(gr.Resources, func(res string) bool { return resourceMatches(res, a.Resource, a.Subresource) }) {
			return true
		}
	}
	return false
}

// resourceMatches matches "*", "resource", "resource/sub", "*/sub" and
// "resource/*".
func resourceMatches(spec, resource, sub string) bool {
	combined := resource
	if sub != "" {
		combined = resource + "/" + sub
	}
	switch {
	case spec == "*" || spec == combined:
		return true
	case sub != "" && strings.HasPrefix(spec, "*/"):
		return spec[2:] == sub
	case strings.HasSuffix(spec, "/*"):
		return strings.TrimSuffix(spec, "/*") == resource
	}
	return false
}
