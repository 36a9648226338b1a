package rbac

import (
	"slices"
	"sync"
	"sync/atomic"

	rbacv1 "k8s.io/api/rbac/v1"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"

	"github.com/skiff-dev/skiff/internal/apiserver/auth"
)

// maxResolved bounds the resolved rule sets one generation keeps; past it
// the cache starts over empty, so that many users times many namespaces
// cannot grow it without bound.
const maxResolved = 8192

// resolvedKey is what a resolved rule set is cached under: the user and
// the namespace of the request ("" for cluster-scoped requests). The
// groups are compared on lookup, since a user's groups may differ between
// requests (impersonation, tokens) while its name does not.
type resolvedKey struct {
	user, namespace string
}

// resolved is the rule set a user holds in one namespace: the rules of
// the roles its cluster role bindings and (for a namespace) its role
// bindings name, resolved once per RBAC generation. It is read-only once
// built; the rules point into the informer cache's objects, which are
// never mutated, only replaced.
type resolved struct {
	groups []string
	rules  []*rbacv1.PolicyRule
	// reason is upstream's "RBAC: ..." denial reason when bindings name
	// roles that do not exist, else "".
	reason string
}

func (r *resolved) allows(attrs auth.Attributes) bool {
	for _, rule := range r.rules {
		if ruleAllows(attrs, rule) {
			return true
		}
	}
	return false
}

// resolvedTable holds the resolved rule sets of one RBAC generation.
type resolvedTable struct {
	gen     uint64
	entries sync.Map // resolvedKey -> *resolved
	size    atomic.Int64
}

// resolvedCache caches resolved rule sets, invalidated as a whole by a
// generation counter that every RBAC change bumps. A hit costs one
// lock-free map lookup and allocates nothing; a miss resolves the rules
// from the bindings' subject index and stores them.
type resolvedCache struct {
	gen   atomic.Uint64
	table atomic.Pointer[resolvedTable]
}

// invalidate drops every resolved rule set: RBAC objects changed.
func (c *resolvedCache) invalidate() { c.gen.Add(1) }

// get returns the rule set u holds in namespace, resolving it on a miss
// from the policy current reads. The generation is read before the
// policy, and a new policy is stored before the generation moves
// (Authorizer.setPolicy), so an entry is never older than its generation.
func (c *resolvedCache) get(current *atomic.Pointer[policy], u auth.User, namespace string) *resolved {
	gen := c.gen.Load()
	t := c.tableFor(gen)
	key := resolvedKey{user: u.Name, namespace: namespace}
	if v, ok := t.entries.Load(key); ok {
		if r := v.(*resolved); slices.Equal(r.groups, u.Groups) {
			return r
		}
	}
	r := current.Load().resolve(u, namespace)
	// Keep r only if no RBAC change came while it was resolved; it was
	// built from a state at least as new as gen.
	if t.gen == gen && c.gen.Load() == gen {
		if t.size.Add(1) > maxResolved {
			c.table.CompareAndSwap(t, &resolvedTable{gen: gen})
			return r
		}
		t.entries.Store(key, r)
	}
	return r
}

// tableFor returns the table of generation gen, or of a newer one when
// another request has already seen it.
func (c *resolvedCache) tableFor(gen uint64) *resolvedTable {
	for {
		t := c.table.Load()
		if t != nil && t.gen >= gen {
			return t
		}
		nt := &resolvedTable{gen: gen}
		if c.table.CompareAndSwap(t, nt) {
			return nt
		}
	}
}

// resolve collects the rules u holds in namespace from the bindings that
// name its user, groups or service account; missing roles make the
// denial reason.
func (p *policy) resolve(u auth.User, namespace string) *resolved {
	r := &resolved{groups: slices.Clone(u.Groups)}
	var errs []error
	p.visitBindings(u, namespace, func(ref rbacv1.RoleRef, bindingNamespace string) {
		rules, err := p.rules(ref, bindingNamespace)
		if err != nil {
			errs = append(errs, err)
			return
		}
		for i := range rules {
			r.rules = append(r.rules, &rules[i])
		}
	}, &errs)
	if len(errs) > 0 {
		r.reason = "RBAC: " + utilerrors.NewAggregate(errs).Error()
	}
	return r
}

// visitBindings calls visit for each binding of u, once each: cluster role
// bindings first, then the role bindings of namespace (none when it is
// empty). Index errors are appended to errs.
func (p *policy) visitBindings(u auth.User, namespace string, visit func(ref rbacv1.RoleRef, bindingNamespace string), errs *[]error) {
	keys := userKeys(u)
	seen := map[string]bool{}
	for _, k := range keys {
		objs, err := p.clusterRoleBindings.ByIndex(bySubject, k)
		if err != nil {
			*errs = append(*errs, err)
		}
		for _, o := range objs {
			b := o.(*rbacv1.ClusterRoleBinding)
			if seen[b.Name] {
				continue
			}
			seen[b.Name] = true
			visit(b.RoleRef, "")
		}
	}
	if namespace == "" {
		return
	}
	for _, k := range keys {
		objs, err := p.roleBindings.ByIndex(bySubject, namespace+"/"+k)
		if err != nil {
			*errs = append(*errs, err)
		}
		for _, o := range objs {
			b := o.(*rbacv1.RoleBinding)
			if seen[b.Namespace+"/"+b.Name] {
				continue
			}
			seen[b.Namespace+"/"+b.Name] = true
			visit(b.RoleRef, b.Namespace)
		}
	}
}
