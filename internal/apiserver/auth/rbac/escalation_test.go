package rbac

import (
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff-dev/skiff/internal/apiserver/auth"
)

// TestEscalationMessage pins upstream's ConfirmNoEscalation wording
// (pkg/registry/rbac/validation/rule.go): the missing rules broken down
// and compacted per group and resource (CompactRules: verbs appended in
// order, URL rules left alone), one CompactString a line, deduplicated
// and sorted, then "; resolution errors: [...]" naming roles the writer's
// bindings refer to but storage does not hold.
func TestEscalationMessage(t *testing.T) {
	const head = `user "alice" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:` + "\n"
	tests := []struct {
		name  string
		extra []runtime.Object // besides alice reading pods cluster-wide
		obj   runtime.Object
		want  string // "" allows the write
	}{
		{"rules held", nil, role("dev", "r", rule(readVerbs, g(""), "pods")), ""},
		{"one verb missing", nil, role("dev", "r", rule(v("get", "delete"), g(""), "pods")),
			head + `{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}`},
		{"verbs merge per resource, lines sorted", nil,
			role("dev", "r", rule(v("update", "create"), g("", "apps"), "secrets", "deployments")),
			head + `{APIGroups:[""], Resources:["deployments"], Verbs:["update" "create"]}` + "\n" +
				`{APIGroups:[""], Resources:["secrets"], Verbs:["update" "create"]}` + "\n" +
				`{APIGroups:["apps"], Resources:["deployments"], Verbs:["update" "create"]}` + "\n" +
				`{APIGroups:["apps"], Resources:["secrets"], Verbs:["update" "create"]}`},
		{"a verb asked twice is listed twice", nil,
			role("dev", "r", rule(v("create"), g(""), "configmaps"), rule(v("create", "delete"), g(""), "configmaps")),
			head + `{APIGroups:[""], Resources:["configmaps"], Verbs:["create" "create" "delete"]}`},
		{"resource names apart", nil,
			role("dev", "r", rbacv1.PolicyRule{Verbs: v("get", "update"), APIGroups: g(""), Resources: []string{"configmaps"}, ResourceNames: []string{"b", "a"}}),
			head + `{APIGroups:[""], Resources:["configmaps"], ResourceNames:["a"], Verbs:["get" "update"]}` + "\n" +
				`{APIGroups:[""], Resources:["configmaps"], ResourceNames:["b"], Verbs:["get" "update"]}`},
		{"urls are not merged", nil, clusterRole("c", nil, urls(v("get", "post"), "/metrics")),
			head + `{NonResourceURLs:["/metrics"], Verbs:["get"]}` + "\n" + `{NonResourceURLs:["/metrics"], Verbs:["post"]}`},
		{"binding to a role not held", nil, rb("dev", "b", "ClusterRole", "edit-ish", user("bob")),
			head + `{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}`},
		{"binding to a missing role", nil, rb("dev", "b", "Role", "nope", user("bob")),
			`roles.rbac.authorization.k8s.io "nope" not found`},
		{"resolution errors", []runtime.Object{crb("alice-ghost", "ghost", user("alice"))},
			role("dev", "r", rule(v("delete"), g(""), "pods")),
			head + `{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}` +
				`; resolution errors: [clusterroles.rbac.authorization.k8s.io "ghost" not found]`},
	}
	alice := auth.User{Name: "alice", Groups: []string{AuthenticatedGroup}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs := append([]runtime.Object{
				clusterRole("pod-reader", nil, rule(readVerbs, g(""), "pods")),
				clusterRole("edit-ish", nil, rule(v("get", "delete"), g(""), "pods")),
				crb("alice-pods", "pod-reader", user("alice")),
			}, tt.extra...)
			p, err := newPolicy(objs...)
			if err != nil {
				t.Fatal(err)
			}
			az := &Authorizer{}
			az.setPolicy(p)
			err = az.CheckWrite(az, alice, tt.obj, nil)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("CheckWrite(alice, %s) = %q; want %q", tt.name, got, tt.want)
			}
		})
	}
}

func TestEscalationMessageWithoutGroups(t *testing.T) {
	err := escalationError(auth.User{Name: "x"}, []rbacv1.PolicyRule{rule(v("get"), g(""), "pods")}, nil)
	want := `user "x" (groups=[]) is attempting to grant RBAC permissions not currently held:` + "\n" +
		`{APIGroups:[""], Resources:["pods"], Verbs:["get"]}`
	if err.Error() != want {
		t.Errorf("escalationError(x without groups) = %q; want %q", err, want)
	}
}

// TestInFindsRBACInTheChain: the escalation check finds the RBAC
// authorizer of a request wherever the chain holds it.
func TestInFindsRBACInTheChain(t *testing.T) {
	az := &Authorizer{}
	other := auth.Union{}
	for _, tc := range []struct {
		name  string
		chain auth.Authorizer
		want  *Authorizer
	}{
		{"itself", az, az},
		{"a member", auth.Union{other, az}, az},
		{"a nested member", auth.Union{other, auth.Union{az}}, az},
		{"absent", auth.Union{other}, nil},
		{"none", nil, nil},
	} {
		got, ok := In(tc.chain)
		if got != tc.want || ok != (tc.want != nil) {
			t.Errorf("%s: In = %p, %v; want %p", tc.name, got, ok, tc.want)
		}
	}
}
