package rbac

import (
	"context"
	"fmt"
	"sync/atomic"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
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
	policy atomic.Pointer[policy]
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
	a.policy.Store(p)
	return a
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
	f.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), crb.HasSynced, rb.HasSynced, roles.HasSynced, clusterRoles.HasSynced) {
		return fmt.Errorf("rbac caches did not sync: %w", ctx.Err())
	}
	a.policy.Store(&policy{
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
// a rule of a role bound to them grants: cluster role bindings first, then
// the role bindings of the request's namespace. A denial's reason names
// the roles that bindings of the user refer to but that do not exist, as
// upstream's "RBAC: ..." reason.
func (a *Authorizer) Authorize(u auth.User, attrs auth.Attributes) (bool, string) {
	for _, g := range u.Groups {
		if g == PrivilegedGroup {
			return true, ""
		}
	}
	p := a.policy.Load()
	keys := userKeys(u)
	var errs []error
	for _, k := range keys {
		objs, err := p.clusterRoleBindings.ByIndex(bySubject, k)
		if err != nil {
			errs = append(errs, err)
		}
		for _, o := range objs {
			b := o.(*rbacv1.ClusterRoleBinding)
			if p.allows(attrs, b.RoleRef, "", &errs) {
				return true, ""
			}
		}
	}
	if attrs.Namespace != "" {
		for _, k := range keys {
			objs, err := p.roleBindings.ByIndex(bySubject, attrs.Namespace+"/"+k)
			if err != nil {
				errs = append(errs, err)
			}
			for _, o := range objs {
				b := o.(*rbacv1.RoleBinding)
				if p.allows(attrs, b.RoleRef, b.Namespace, &errs) {
					return true, ""
				}
			}
		}
	}
	if len(errs) == 0 {
		return false, ""
	}
	return false, "RBAC: " + utilerrors.NewAggregate(errs).Error()
}

// allows reports whether a rule of the role ref names grants attrs; a
// missing role is recorded in errs.
func (p *policy) allows(attrs auth.Attributes, ref rbacv1.RoleRef, ns string, errs *[]error) bool {
	rules, err := p.rules(ref, ns)
	if err != nil {
		*errs = append(*errs, err)
		return false
	}
	for i := range rules {
		if ruleAllows(attrs, &rules[i]) {
			return true
		}
	}
	return false
}

// rules are the rules of the role ref names; a Role is looked up in ns.
func (p *policy) rules(ref rbacv1.RoleRef, ns string) ([]rbacv1.PolicyRule, error) {
	switch ref.Kind {
	case "ClusterRole":
		obj, ok, err := p.clusterRoles.GetByKey(ref.Name)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, apierrors.NewNotFound(rbacv1.Resource("clusterrole"), ref.Name)
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
			return nil, apierrors.NewNotFound(rbacv1.Resource("role"), ref.Name)
		}
		return obj.(*rbacv1.Role).Rules, nil
	}
	return nil, fmt.Errorf("unsupported role reference kind: %q", ref.Kind)
}
