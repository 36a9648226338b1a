package rbac

import (
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff-dev/skiff/internal/apiserver/auth"
)

// cachePolicy is an authorizer with one cluster role and one role, and
// bindings only for ops.
func cachePolicy(t *testing.T) (*Authorizer, *policy) {
	t.Helper()
	p, err := newPolicy(
		clusterRole("pod-reader", nil, rule(readVerbs, g(""), "pods")),
		role("dev", "cm-writer", rule(v("create"), g(""), "configmaps")),
		crb("ops-pods", "pod-reader", group("ops")),
	)
	if err != nil {
		t.Fatal(err)
	}
	a := &Authorizer{}
	a.setPolicy(p)
	return a, p
}

// TestResolvedRulesFollowRBACChanges walks one authorizer through RBAC
// changes: a resolved rule set is reused until the next change
// (invalidate, which the informers' handlers call), then resolved anew.
func TestResolvedRulesFollowRBACChanges(t *testing.T) {
	az, p := cachePolicy(t)
	alice := auth.User{Name: "alice", Groups: []string{AuthenticatedGroup}}
	aliceOps := auth.User{Name: "alice", Groups: []string{"ops", AuthenticatedGroup}}
	getPod := res("get", "", "pods", "dev", "p1")
	createCM := res("create", "", "configmaps", "dev", "")
	steps := []struct {
		name   string
		change func(t *testing.T)
		user   auth.User
		attrs  auth.Attributes
		want   bool
	}{
		{"no binding", nil, alice, getPod, false},
		{"other groups of the same user resolve on their own", nil, aliceOps, getPod, true},
		{"back to the first groups", nil, alice, getPod, false},
		{"a binding stored but not yet announced is not seen", func(t *testing.T) {
			mustStore(t, p.roleBindings.Add, rb("dev", "alice-pods", "ClusterRole", "pod-reader", user("alice")))
		}, alice, getPod, false},
		{"announced binding is seen", func(*testing.T) { az.resolved.invalidate() }, alice, getPod, true},
		{"another namespace resolves apart", nil, alice, res("get", "", "pods", "prod", "p1"), false},
		{"role binding to a role", func(t *testing.T) {
			mustStore(t, p.roleBindings.Add, rb("dev", "alice-cm", "Role", "cm-writer", user("alice")))
			az.resolved.invalidate()
		}, alice, createCM, true},
		{"role loses its rule", func(t *testing.T) {
			mustStore(t, p.roles.Update, role("dev", "cm-writer", rule(v("get"), g(""), "configmaps")))
			az.resolved.invalidate()
		}, alice, createCM, false},
		{"binding removed", func(t *testing.T) {
			mustStore(t, p.roleBindings.Delete, rb("dev", "alice-pods", "ClusterRole", "pod-reader", user("alice")))
			az.resolved.invalidate()
		}, alice, getPod, false},
	}
	for _, s := range steps {
		if s.change != nil {
			s.change(t)
		}
		if got, reason := az.Authorize(s.user, s.attrs); got != s.want {
			t.Errorf("%s: Authorize(%v, %+v) = %v (%q); want %v", s.name, s.user, s.attrs, got, reason, s.want)
		}
	}
}

func mustStore(t *testing.T, op func(any) error, obj runtime.Object) {
	t.Helper()
	if err := op(obj); err != nil {
		t.Fatal(err)
	}
}

// TestResolvedCacheIsBounded: more users than maxResolved start the
// cache over instead of growing it.
func TestResolvedCacheIsBounded(t *testing.T) {
	az, _ := cachePolicy(t)
	for i := range maxResolved + 10 {
		az.Authorize(auth.User{Name: fmt.Sprintf("user-%d", i)}, res("get", "", "pods", "dev", "p"))
	}
	tbl := az.resolved.table.Load()
	n := 0
	tbl.entries.Range(func(any, any) bool { n++; return true })
	if n > maxResolved {
		t.Errorf("resolved entries after %d users = %d; want at most %d", maxResolved+10, n, maxResolved)
	}
}

// TestAuthorizeHitAllocatesNothing pins the hot path: a decision from a
// resolved rule set allocates nothing, whatever the number of RBAC
// objects.
func TestAuthorizeHitAllocatesNothing(t *testing.T) {
	tests := []struct {
		name  string
		attrs auth.Attributes
	}{
		{"allowed", res("list", "", "pods", "default", "")},
		{"denied", res("delete", "", "pods", "default", "p1")},
		{"non-resource", path("get", "/apis/apps/v1")},
	}
	alice := auth.User{Name: "alice", Groups: []string{"team-3", AuthenticatedGroup}}
	for _, n := range []int{0, 1000} {
		az := benchAuthorizer(t, n)
		for _, tt := range tests {
			az.Authorize(alice, tt.attrs)
			got := testing.AllocsPerRun(100, func() { az.Authorize(alice, tt.attrs) })
			if got != 0 {
				t.Errorf("%s with %d objects: allocations per Authorize = %v; want 0", tt.name, n, got)
			}
		}
	}
}
