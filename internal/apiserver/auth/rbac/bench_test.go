package rbac

import (
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff-dev/skiff/internal/apiserver/auth"
)

// benchAuthorizer holds the default policy plus n roles, n cluster roles,
// n role bindings and n cluster role bindings for other users, spread over
// 50 namespaces, and binds alice to view in "default".
func benchAuthorizer(b testing.TB, n int) *Authorizer {
	b.Helper()
	var objs []runtime.Object
	for _, r := range aggregateAll(DefaultClusterRoles()) {
		objs = append(objs, r)
	}
	for _, cb := range DefaultClusterRoleBindings() {
		objs = append(objs, cb)
	}
	for i := range n {
		ns := fmt.Sprintf("ns-%d", i%50)
		name := fmt.Sprintf("r-%d", i)
		objs = append(objs,
			role(ns, name, rule(readVerbs, g(""), "pods", "services")),
			clusterRole(name, nil, rule(readVerbs, g("apps"), "deployments")),
			rb(ns, name, "Role", name, user(fmt.Sprintf("user-%d", i)), group(fmt.Sprintf("team-%d", i%20))),
			crb(name, name, user(fmt.Sprintf("user-%d", i))),
		)
	}
	objs = append(objs, rb("default", "alice-view", "ClusterRole", "view", user("alice")))
	p, err := newPolicy(objs...)
	if err != nil {
		b.Fatal(err)
	}
	a := &Authorizer{}
	a.setPolicy(p)
	return a
}

func BenchmarkAuthorize(b *testing.B) {
	alice := auth.User{Name: "alice", Groups: []string{"team-3", AuthenticatedGroup}}
	cases := []struct {
		name  string
		user  auth.User
		attrs auth.Attributes
	}{
		{"allowed-list", alice, res("list", "", "pods", "default", "")},
		{"denied-delete", alice, res("delete", "", "pods", "default", "p1")},
		{"masters", auth.User{Name: "admin", Groups: []string{PrivilegedGroup, AuthenticatedGroup}}, res("list", "", "pods", "default", "")},
		{"discovery", alice, path("get", "/apis/apps/v1")},
	}
	for _, n := range []int{0, 1000} {
		az := benchAuthorizer(b, n)
		for _, c := range cases {
			b.Run(fmt.Sprintf("%s/objects=%d", c.name, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					az.Authorize(c.user, c.attrs)
				}
			})
		}
	}
}
