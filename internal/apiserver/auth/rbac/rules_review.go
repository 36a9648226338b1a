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
	p := a.policy.Load()
	keys := userKeys(u)
	var rules []rbacv1.PolicyRule
	var errs []error
	seen := map[string]bool{}
	for _, k := range keys {
		objs, err := p.clusterRoleBindings.ByIndex(bySubject, k)
		if err != nil {
			errs = append(errs, err)
		}
		for _, o := range objs {
			b := o.(*rbacv1.ClusterRoleBinding)
			if seen[b.Name] {
				continue
			}
			seen[b.Name] = true
			rules = p.appendRules(rules, b.RoleRef, "", &errs)
		}
	}
	if namespace != "" {
		for _, k := range keys {
			objs, err := p.roleBindings.ByIndex(bySubject, namespace+"/"+k)
			if err != nil {
				errs = append(errs, err)
			}
			for _, o := range objs {
				b := o.(*rbacv1.RoleBinding)
				if seen[b.Namespace+"/"+b.Name] {
					continue
				}
				seen[b.Namespace+"/"+b.Name] = true
				rules = p.appendRules(rules, b.RoleRef, b.Namespace, &errs)
			}
		}
	}
	return rules, utilerrors.NewAggregate(errs)
}

func (p *policy) appendRules(rules []rbacv1.PolicyRule, ref rbacv1.RoleRef, ns string, errs *[]error) []rbacv1.PolicyRule {
	rs, err := p.rules(ref, ns)
	if err != nil {
		*errs = append(*errs, err)
		return rules
	}
	return append(rules, rs...)
}
