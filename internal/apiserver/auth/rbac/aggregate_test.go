package rbac

import (
	"context"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
)

func TestAggregatedRules(t *testing.T) {
	podsRead := rule(readVerbs, g(""), "pods")
	svcRead := rule(readVerbs, g(""), "services")
	agg := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "agg", Labels: map[string]string{"x": "true"}},
		AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{
			{MatchLabels: map[string]string{"x": "true"}}, {MatchLabels: map[string]string{"y": "true"}}}}}
	tests := []struct {
		name string
		all  []*rbacv1.ClusterRole
		want []rbacv1.PolicyRule
	}{
		{"none selected", []*rbacv1.ClusterRole{clusterRole("b", nil, podsRead)}, []rbacv1.PolicyRule{}},
		{"name order, deduplicated", []*rbacv1.ClusterRole{
			clusterRole("c", map[string]string{"x": "true"}, svcRead, podsRead),
			clusterRole("b", map[string]string{"x": "true"}, podsRead),
		}, []rbacv1.PolicyRule{podsRead, svcRead}},
		{"selector order", []*rbacv1.ClusterRole{
			clusterRole("a", map[string]string{"y": "true"}, svcRead),
			clusterRole("b", map[string]string{"x": "true"}, podsRead),
		}, []rbacv1.PolicyRule{podsRead, svcRead}},
		{"itself excluded", []*rbacv1.ClusterRole{agg}, []rbacv1.PolicyRule{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := aggregatedRules(agg, tt.all)
			if !ok || !equality.Semantic.DeepEqual(got, tt.want) {
				t.Errorf("aggregatedRules() = %v, %v; want %v, true", got, ok, tt.want)
			}
		})
	}
	if _, ok := aggregatedRules(clusterRole("plain", nil, podsRead), nil); ok {
		t.Errorf("aggregatedRules(role without aggregationRule) ok = true; want false")
	}
}

func TestAggregateAllSettlesChains(t *testing.T) {
	in := DefaultClusterRoles()
	roles := aggregateAll(in)
	byName := map[string]*rbacv1.ClusterRole{}
	for _, r := range roles {
		byName[r.Name] = r
	}
	view, edit, admin := byName["view"], byName["edit"], byName["admin"]
	// view: system:aggregate-to-view's rules and the metrics reader's one
	if len(view.Rules) != len(aggregateToViewRules())+1 {
		t.Errorf("view has %d rules; want %d", len(view.Rules), len(aggregateToViewRules())+1)
	}
	for _, r := range view.Rules {
		if !hasRule(edit.Rules, r) {
			t.Errorf("edit lacks view rule %v", r)
		}
	}
	for _, r := range edit.Rules {
		if !hasRule(admin.Rules, r) {
			t.Errorf("admin lacks edit rule %v", r)
		}
	}
	for _, r := range aggregateToAdminRules() {
		if !hasRule(admin.Rules, r) || hasRule(edit.Rules, r) {
			t.Errorf("rule %v: in admin %v, in edit %v; want true, false", r, hasRule(admin.Rules, r), hasRule(edit.Rules, r))
		}
	}
	if in[1].Name != "admin" || in[1].Rules != nil {
		t.Errorf("aggregateAll changed its input")
	}
}

func TestAggregatorReconcile(t *testing.T) {
	ctx := context.Background()
	crdViewer := clusterRole("crd-viewer", map[string]string{AggregateToView: "true"}, rule(readVerbs, g("example.com"), "widgets"))
	view := defaultRole(t, "view")
	client := fake.NewClientset(view, crdViewer, clusterRole("unrelated", nil, rule(v("*"), g("*"), "*")))
	f := informers.NewSharedInformerFactory(client, 0)
	agg, err := NewAggregator(client, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	inf := f.Rbac().V1().ClusterRoles().Informer()
	for _, o := range []*rbacv1.ClusterRole{view, crdViewer} {
		if err := inf.GetIndexer().Add(o); err != nil {
			t.Fatal(err)
		}
	}
	if err := agg.Reconcile(ctx, "view"); err != nil {
		t.Fatalf("Reconcile(view) = %v", err)
	}
	got, err := client.RbacV1().ClusterRoles().Get(ctx, "view", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := crdViewer.Rules
	if !equality.Semantic.DeepEqual(got.Rules, want) {
		t.Errorf("view rules after Reconcile = %v; want %v", got.Rules, want)
	}
	if err := agg.Reconcile(ctx, "gone"); err != nil {
		t.Errorf("Reconcile(gone) = %v; want nil", err)
	}
}
