package integration

import (
	"fmt"
	"strings"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// TestRBACEscalation is the escalation matrix: a user who may write RBAC
// objects still grants only what they hold, unless they have escalate
// (roles) or bind (bindings), as upstream.
func TestRBACEscalation(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	admin := shared.cs
	user := uniqueName("esc")
	rule := func(verbs []string, group string, resources []string, names ...string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{Verbs: verbs, APIGroups: []string{group}, Resources: resources, ResourceNames: names}
	}
	mustRole := func(name string, rules ...rbacv1.PolicyRule) {
		t.Helper()
		r := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}
		if _, err := admin.RbacV1().Roles(ns).Create(ctx, r, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		b := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}}
		if _, err := admin.RbacV1().RoleBindings(ns).Create(ctx, b, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	mustRole("held",
		rule([]string{"get", "list"}, "", []string{"pods"}),
		rule([]string{"get"}, "", []string{"configmaps"}, "allowed"),
		rule([]string{"create", "update"}, "rbac.authorization.k8s.io", []string{"roles", "rolebindings"}))
	asUser := func() kubernetes.Interface {
		cfg := rest.CopyConfig(shared.cfg)
		cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}()
	eventually(t, "user may create roles", func() error {
		_, err := asUser.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "probe"}}, metav1.CreateOptions{DryRun: []string{"All"}})
		return err
	})
	role := func(name string, rules ...rbacv1.PolicyRule) func() error {
		return func() error {
			_, err := asUser.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}, metav1.CreateOptions{})
			return err
		}
	}
	binding := func(name, kind, target string) func() error {
		return func() error {
			b := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
				RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: kind, Name: target},
				Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "someone"}}}
			_, err := asUser.RbacV1().RoleBindings(ns).Create(ctx, b, metav1.CreateOptions{})
			return err
		}
	}
	// grant binds a new role to the user and waits until the authorizer,
	// fed by informers, answers for it as the user sees it.
	grant := func(name string, rules ...rbacv1.PolicyRule) func() error {
		return func() error {
			mustRole(name, rules...)
			r := rules[0]
			attrs := &authorizationv1.ResourceAttributes{Namespace: ns, Verb: r.Verbs[0], Group: r.APIGroups[0], Resource: r.Resources[0]}
			if len(r.ResourceNames) > 0 {
				attrs.Name = r.ResourceNames[0]
			}
			eventually(t, "the authorizer sees role "+name, func() error {
				rev, err := asUser.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx,
					&authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: attrs}}, metav1.CreateOptions{})
				if err == nil && !rev.Status.Allowed {
					err = fmt.Errorf("not allowed yet: %s", rev.Status.Reason)
				}
				return err
			})
			return nil
		}
	}
	steps := []struct {
		name   string
		do     func() error
		reason string // empty: allowed; "404 " first: not found, not forbidden
	}{
		{"role with rules held", role("subset", rule([]string{"get"}, "", []string{"pods"})), ""},
		{"role with a verb not held", role("more-verbs", rule([]string{"get", "delete"}, "", []string{"pods"})),
			`is attempting to grant RBAC permissions not currently held:` + "\n" + `{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}`},
		{"role with the held resource name", role("named", rule([]string{"get"}, "", []string{"configmaps"}, "allowed")), ""},
		{"role with another resource name", role("other-name", rule([]string{"get"}, "", []string{"configmaps"}, "other")),
			`{APIGroups:[""], Resources:["configmaps"], ResourceNames:["other"], Verbs:["get"]}`},
		{"role with every configmap", role("all-cms", rule([]string{"get"}, "", []string{"configmaps"})), "not currently held"},
		{"binding to a role held in full", binding("b-held", "Role", "subset"), ""},
		{"binding to a missing role", binding("b-missing", "Role", "nowhere"), `404 roles.rbac.authorization.k8s.io "nowhere" not found`},
		{"binding to admin", binding("b-admin", "ClusterRole", "admin"), "is attempting to grant RBAC permissions not currently held"},
		{"grant bind on admin", grant("binder", rule([]string{"bind"}, "rbac.authorization.k8s.io", []string{"clusterroles"}, "admin")), ""},
		{"binding to admin with bind", binding("b-admin-2", "ClusterRole", "admin"), ""},
		{"binding to edit, bind on admin only", binding("b-edit", "ClusterRole", "edit"), "not currently held"},
		{"grant escalate", grant("escalator", rule([]string{"escalate"}, "rbac.authorization.k8s.io", []string{"roles"})), ""},
		{"role beyond held rules with escalate", role("escalated", rule([]string{"*"}, "*", []string{"*"})), ""},
	}
	for _, st := range steps {
		err := st.do()
		if st.reason == "" {
			if err != nil {
				t.Fatalf("%s: got %v, want allowed", st.name, err)
			}
			continue
		}
		if want, ok := strings.CutPrefix(st.reason, "404 "); ok {
			if !apierrors.IsNotFound(err) || !strings.Contains(err.Error(), want) {
				t.Fatalf("%s: got %v, want 404 containing %q", st.name, err, want)
			}
			continue
		}
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), st.reason) {
			t.Fatalf("%s: got %v, want 403 containing %q", st.name, err, st.reason)
		}
		if !strings.Contains(err.Error(), `user "`+user+`" (groups=["system:authenticated"])`) && strings.Contains(st.reason, "RBAC") {
			t.Fatalf("%s: got %v, want it to name the user and groups", st.name, err)
		}
	}
}

// TestRBACEscalationAggregation: only holders of every right may create
// a ClusterRole with an aggregationRule.
func TestRBACEscalationAggregation(t *testing.T) {
	ctx := ctxFor(t)
	user := uniqueName("agg")
	name := uniqueName("agg-writer")
	admin := shared.cs
	if _, err := admin.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name},
		Rules: []rbacv1.PolicyRule{{Verbs: []string{"create"}, APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"clusterroles"}}}},
		metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg := rest.CopyConfig(shared.cfg)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	agg := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: uniqueName("agg")},
		AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{"x": "y"}}}}}
	var last error
	eventually(t, "aggregation refused", func() error {
		_, last = cs.RbacV1().ClusterRoles().Create(ctx, agg, metav1.CreateOptions{})
		if apierrors.IsForbidden(last) && strings.Contains(last.Error(), "must have cluster-admin privileges to use the aggregationRule") {
			return nil
		}
		return last
	})
	empty := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: uniqueName("empty")}}
	if _, err := cs.RbacV1().ClusterRoles().Create(ctx, empty, metav1.CreateOptions{}); err != nil {
		t.Fatalf("cluster role without rules: got %v, want allowed", err)
	}
}
