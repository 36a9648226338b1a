package rbac

import (
	"reflect"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff-dev/skiff/internal/apiserver/auth"
)

func TestRulesFor(t *testing.T) {
	readPods := rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}}
	metrics := rbacv1.PolicyRule{Verbs: []string{"get"}, NonResourceURLs: []string{"/metrics"}}
	editCM := rbacv1.PolicyRule{Verbs: []string{"update"}, APIGroups: []string{""}, Resources: []string{"configmaps"}}
	objs := []runtime.Object{
		clusterRole("pod-reader", nil, readPods),
		clusterRole("metrics", nil, metrics),
		role("a", "cm-editor", editCM),
		crb("read", "pod-reader", user("alice")),
		crb("metrics", "metrics", group("dev")),
		crb("dangling", "nope", user("bob")),
		rb("a", "edit", "Role", "cm-editor", user("alice")),
		rb("b", "edit", "Role", "cm-editor", user("alice")),
		rb("a", "by-sa", "ClusterRole", "pod-reader", sa("a", "robot")),
	}
	p, err := newPolicy(objs...)
	if err != nil {
		t.Fatal(err)
	}
	a := &Authorizer{}
	a.setPolicy(p)
	tests := []struct {
		name      string
		user      auth.User
		namespace string
		want      []rbacv1.PolicyRule
		wantErr   string
	}{
		{"cluster and namespace rules", auth.User{Name: "alice", Groups: []string{"dev"}}, "a", []rbacv1.PolicyRule{readPods, metrics, editCM}, ""},
		{"no namespace: cluster rules only", auth.User{Name: "alice"}, "", []rbacv1.PolicyRule{readPods}, ""},
		{"role of another namespace not listed", auth.User{Name: "alice"}, "c", []rbacv1.PolicyRule{readPods}, ""},
		{"service account", auth.User{Name: "system:serviceaccount:a:robot"}, "a", []rbacv1.PolicyRule{readPods}, ""},
		{"missing role", auth.User{Name: "bob"}, "a", nil, `clusterrole.rbac.authorization.k8s.io "nope" not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.RulesFor(tt.user, tt.namespace)
			if (err != nil) != (tt.wantErr != "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("RulesFor error = %v; want %q", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("RulesFor = %+v; want %+v", got, tt.want)
			}
		})
	}
}
