package rbac

import (
	"context"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestEnsurePolicyCreatesAndAggregates(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset()
	if err := EnsurePolicy(ctx, client); err != nil {
		t.Fatalf("EnsurePolicy() = %v", err)
	}
	for _, want := range DefaultClusterRoles() {
		got, err := client.RbacV1().ClusterRoles().Get(ctx, want.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get %s: %v", want.Name, err)
		}
		if got.Labels[BootstrapLabel] != BootstrapLabelValue {
			t.Errorf("%s labels = %v; want %s=%s", want.Name, got.Labels, BootstrapLabel, BootstrapLabelValue)
		}
	}
	view, err := client.RbacV1().ClusterRoles().Get(ctx, "view", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// view folds in system:aggregate-to-view and the metrics reader
	wantView := append(aggregateToViewRules(), rule(readVerbs, g("metrics.k8s.io"), "pods", "nodes"))
	if !equality.Semantic.DeepEqual(view.Rules, wantView) {
		t.Errorf("view rules = %v; want the aggregate-to-view rules and the metrics reader's", view.Rules)
	}
	for _, want := range DefaultClusterRoleBindings() {
		if _, err := client.RbacV1().ClusterRoleBindings().Get(ctx, want.Name, metav1.GetOptions{}); err != nil {
			t.Errorf("get binding %s: %v", want.Name, err)
		}
	}

	client.ClearActions()
	if err := EnsurePolicy(ctx, client); err != nil {
		t.Fatalf("second EnsurePolicy() = %v", err)
	}
	for _, a := range client.Actions() {
		if a.GetVerb() != "get" && a.GetVerb() != "list" {
			t.Errorf("second EnsurePolicy wrote: %s %s", a.GetVerb(), a.GetResource().Resource)
		}
	}
}

func TestEnsurePolicyReconciles(t *testing.T) {
	ctx := context.Background()
	extra := rule(v("get"), g(""), "nodes")
	discovery := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "system:discovery", Labels: map[string]string{"mine": "x"}},
		Rules: []rbacv1.PolicyRule{extra}}
	frozen := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "system:basic-user",
		Annotations: map[string]string{AutoUpdateKey: "false"}}}
	rebound := crb("system:public-info-viewer", "cluster-admin", user("mallory"))
	client := fake.NewClientset(discovery, frozen, rebound)
	if err := EnsurePolicy(ctx, client); err != nil {
		t.Fatalf("EnsurePolicy() = %v", err)
	}

	got, err := client.RbacV1().ClusterRoles().Get(ctx, "system:discovery", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantRules := append([]rbacv1.PolicyRule{extra}, defaultRole(t, "system:discovery").Rules...)
	if !equality.Semantic.DeepEqual(got.Rules, wantRules) {
		t.Errorf("system:discovery rules = %v; want %v", got.Rules, wantRules)
	}
	if got.Labels["mine"] != "x" || got.Labels[BootstrapLabel] != BootstrapLabelValue {
		t.Errorf("system:discovery labels = %v; want mine and the bootstrap label", got.Labels)
	}

	basic, err := client.RbacV1().ClusterRoles().Get(ctx, "system:basic-user", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(basic.Rules) != 0 {
		t.Errorf("autoupdate=false role rules = %v; want untouched", basic.Rules)
	}

	b, err := client.RbacV1().ClusterRoleBindings().Get(ctx, "system:public-info-viewer", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if b.RoleRef.Name != "system:public-info-viewer" {
		t.Errorf("rebound binding roleRef = %v; want system:public-info-viewer", b.RoleRef)
	}
	if !hasSubject(b.Subjects, user("mallory")) || !hasSubject(b.Subjects, group(UnauthenticatedGroup)) {
		t.Errorf("rebound binding subjects = %v; want the old subject and the defaults", b.Subjects)
	}
}
