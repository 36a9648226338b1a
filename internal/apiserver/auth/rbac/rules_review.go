package rbac

import (
	rbacv1 "k8s.io/api/rbac/v1"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"

	"github.com/skiff-dev/skiff/internal/apiserver/auth"
)

// RulesFor lists the rules that u holds in namespace, as upstream's
// RulesFor: those of the cluster roles its cluster role bindings name,
// then those of the roles its role bindings in namespace name (none when
// namespace is empty). Roles that bindings name but that do not exist
// are skipped and reported in the error, which makes the list
// incomplete. Members of system:masters get their rules from bindings
// like anyone else (the default policy binds them to cluster-admin).
func (a *Authorizer) RulesFor(u auth.User, namespace string) ([]rbacv1.PolicyRule, error) {
	return a.rulesFor(u, namespace, listerNames)
}

// rulesFor is RulesFor with missing roles reported as names says.
func (a *Authorizer) rulesFor(u auth.User, namespace string, names roleNames) ([]rbacv1.PolicyRule, error) {
	p := a.policy.Load()
	var rules []rbacv1.PolicyRule
	var errs []error
	p.visitBindings(u, namespace, func(ref rbacv1.RoleRef, bindingNamespace string) {
		rs, err := p.rulesNamed(ref, bindingNamespace, names)
		if err != nil {
			errs = append(errs, err)
			return
		}
		rules = append(rules, rs...)
	}, &errs)
	return rules, utilerrors.NewAggregate(errs)
}
