package rbac

import (
	"context"
	"fmt"
	"sync/atomic"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff-dev/skiff/internal/apiserver/auth"
)

// PrivilegedGroup is always allowed everything, as upstream's
// system:masters, whatever the RBAC objects say.
const PrivilegedGroup = "system:masters"

// Authorizer decides requests by Role, ClusterRole, RoleBinding and
// ClusterRoleBinding objects held in informer caches. It is safe for
// concurrent use.
type Authorizer struct {
	policy   atomic.Pointer[policy]
	resolved resolvedCache
}

var _ auth.Authorizer = (*Authorizer)(nil)

// policy is a set of RBAC objects to decide from: the informer caches once
// they have synced, the default policy before.
type policy struct {
	roles               cache.Indexer
	clusterRoles        cache.Indexer
	roleBindings        cache.Indexer
	clusterRoleBindings cache.Indexer
}

// NewAuthorizer returns an authorizer that decides by the default policy
// (DefaultClusterRoles, DefaultClusterRoleBindings) until Start has synced
// its informers.
func NewAuthorizer() *Authorizer {
	var objs []runtime.Object
	for _, r := range aggregateAll(DefaultClusterRoles()) {
		objs = append(objs, r)
	}
	for _, b := range DefaultClusterRoleBindings() {
		objs = append(objs, b)
	}
	p, err := newPolicy(objs...)
	if err != nil {
		panic(fmt.Sprintf("rbac: default policy: %v", err)) // the default policy is static data
	}
	a := &Authorizer{}
	a.setPolicy(p)
	return a
}

// setPolicy decides from p from now on: p is stored before the resolved
// rule sets are dropped, which get relies on.
func (a *Authorizer) setPolicy(p *policy) {
	a.policy.Store(p)
	a.resolved.invalidate()
}

// Start registers the RBAC informers of f, starts f and, once the caches
// have synced, decides from them. It returns when they have synced or ctx
// ends; the informers run until f's stop channel closes (ctx.Done()).
func (a *Authorizer) Start(ctx context.Context, f informers.SharedInformerFactory) error {
	v1 := f.Rbac().V1()
	crb := v1.ClusterRoleBindings().Informer()
	if err := crb.AddIndexers(clusterRoleBindingIndexers()); err != nil {
		return fmt.Errorf("index cluster role bindings: %w", err)
	}
	rb := v1.RoleBindings().Informer()
	if err := rb.AddIndexers(roleBindingIndexers()); err != nil {
		return fmt.Errorf("index role bindings: %w", err)
	}
	roles, clusterRoles := v1.Roles().Informer(), v1.ClusterRoles().Informer()
	// Any change of an RBAC object drops every resolved rule set.
	changed := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { a.resolved.invalidate() },
		UpdateFunc: func(any, any) { a.resolved.invalidate() },
		DeleteFunc: func(any) { a.resolved.invalidate() },
	}
	for _, inf := range []cache.SharedIndexInformer{crb, rb, roles, clusterRoles} {
		if _, err := inf.AddEventHandler(changed); err != nil {
			return fmt.Errorf("watch rbac changes: %w", err)
		}
	}
	f.StartWithContext(ctx)
	if !cache.WaitFor(ctx, "", crb.HasSyncedChecker(), rb.HasSyncedChecker(), roles.HasSyncedChecker(), clusterRoles.HasSyncedChecker()) {
		return fmt.Errorf("rbac caches did not sync: %w", ctx.Err())
	}
	a.setPolicy(&policy{
		roles:               roles.GetIndexer(),
		clusterRoles:        clusterRoles.GetIndexer(),
		roleBindings:        rb.GetIndexer(),
		clusterRoleBindings: crb.GetIndexer(),
	})
	return nil
}

// newPolicy holds objs (roles, cluster roles and their bindings) in
// indexers, for the default policy and for tests.
func newPolicy(objs ...runtime.Object) (*policy, error) {
	p := &policy{
		roles:               cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{}),
		clusterRoles:        cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{}),
		roleBindings:        cache.NewIndexer(cache.MetaNamespaceKeyFunc, roleBindingIndexers()),
		clusterRoleBindings: cache.NewIndexer(cache.MetaNamespaceKeyFunc, clusterRoleBindingIndexers()),
	}
	for _, o := range objs {
		var err error
		switch o.(type) {
		case *rbacv1.Role:
			err = p.roles.Add(o)
		case *rbacv1.ClusterRole:
			err = p.clusterRoles.Add(o)
		case *rbacv1.RoleBinding:
			err = p.roleBindings.Add(o)
		case *rbacv1.ClusterRoleBinding:
			err = p.clusterRoleBindings.Add(o)
		default:
			err = fmt.Errorf("%T is not an rbac object", o)
		}
		if err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Authorize allows the privileged group everything, and anyone else what
// a rule of a role bound to them grants: the rules of the cluster roles
// their cluster role bindings name and of the roles their role bindings
// in the request's namespace name. That rule set is resolved once per
// user, namespace and RBAC generation and then read without locks or
// allocations. A denial's reason names the roles that bindings of the
// user refer to but that do not exist, as upstream's "RBAC: ..." reason.
func (a *Authorizer) Authorize(u auth.User, attrs auth.Attributes) (bool, string) {
	for _, g := range u.Groups {
		if g == PrivilegedGroup {
			return true, ""
		}
	}
	r := a.resolved.get(&a.policy, u, attrs.Namespace)
	if r.allows(attrs) {
		return true, ""
	}
	return false, r.reason
}

// roleNames are the resources a missing role is reported as: the
// authorizer reads listers, whose NotFound names the kind ("role"), while
// upstream's escalation check reads storage, whose NotFound names the
// resource ("roles").
type roleNames struct {
	role, clusterRole schema.GroupResource
}

var (
	listerNames  = roleNames{role: rbacv1.Resource("role"), clusterRole: rbacv1.Resource("clusterrole")}
	storageNames = roleNames{role: rbacv1.Resource("roles"), clusterRole: rbacv1.Resource("clusterroles")}
)

// rules are the rules of the role ref names; a Role is looked up in ns.
func (p *policy) rules(ref rbacv1.RoleRef, ns string) ([]rbacv1.PolicyRule, error) {
	return p.rulesNamed(ref, ns, listerNames)
}

// rulesNamed is rules whose NotFound error names the role as names says.
func (p *policy) rulesNamed(ref rbacv1.RoleRef, ns string, names roleNames) ([]rbacv1.PolicyRule, error) {
	switch ref.Kind {
	case "ClusterRole":
		obj, ok, err := p.clusterRoles.GetByKey(ref.Name)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, apierrors.NewNotFound(names.clusterRole, ref.Name)
		}
		return obj.(*rbacv1.ClusterRole).Rules, nil
	case "Role":
		if ns == "" {
			return nil, fmt.Errorf("a cluster role binding cannot refer to role %q", ref.Name)
		}
		obj, ok, err := p.roles.GetByKey(ns + "/" + ref.Name)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, apierrors.NewNotFound(names.role, ref.Name)
		}
		return obj.(*rbacv1.Role).Rules, nil
	}
	return nil, fmt.Errorf("unsupported role reference kind: %q", ref.Kind)
}
