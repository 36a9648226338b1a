package rbac

import (
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/skiff-dev/skiff/internal/apiserver/auth"
)

func clusterRole(name string, labels map[string]string, rules ...rbacv1.PolicyRule) *rbacv1.ClusterRole {
	return &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Rules: rules}
}

func role(ns, name string, rules ...rbacv1.PolicyRule) *rbacv1.Role {
	return &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Rules: rules}
}

func user(name string) rbacv1.Subject { return rbacv1.Subject{Kind: rbacv1.UserKind, Name: name} }

func group(name string) rbacv1.Subject { return rbacv1.Subject{Kind: rbacv1.GroupKind, Name: name} }

func sa(ns, name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: name}
}

func crb(name, roleName string, subjects ...rbacv1.Subject) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: roleName}, Subjects: subjects}
}

func rb(ns, name, kind, roleName string, subjects ...rbacv1.Subject) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: kind, Name: roleName}, Subjects: subjects}
}

func res(verb, group, resource, ns, name string) auth.Attributes {
	a := auth.Attributes{ResourceRequest: true, Verb: verb, APIGroup: group, APIVersion: "v1", Namespace: ns, Name: name}
	a.Resource, a.Subresource, _ = cutSub(resource)
	return a
}

func cutSub(r string) (string, string, bool) {
	for i := range r {
		if r[i] == '/' {
			return r[:i], r[i+1:], true
		}
	}
	return r, "", false
}

func defaultRole(t *testing.T, name string) *rbacv1.ClusterRole {
	t.Helper()
	for _, r := range DefaultClusterRoles() {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no default cluster role %q", name)
	return nil
}

func path(verb, p string) auth.Attributes { return auth.Attributes{Verb: verb, Path: p} }

// matrixPolicy is the default policy (aggregated) plus a cluster of
// users, groups and service accounts with their own roles.
func matrixPolicy(t *testing.T) *Authorizer {
	t.Helper()
	objs := []runtime.Object{
		clusterRole("pod-reader", nil, rule(readVerbs, g(""), "pods")),
		clusterRole("log-reader", nil, rule(v("get"), g(""), "pods/log")),
		clusterRole("any-status", nil, rule(v("get"), g("*"), "*/status")),
		clusterRole("one-cm", nil, rbacv1.PolicyRule{Verbs: v("get", "update"), APIGroups: g(""),
			Resources: []string{"configmaps"}, ResourceNames: []string{"app-config"}}),
		clusterRole("apps-all", nil, rule(v("*"), g("apps"), "*")),
		clusterRole("metrics", nil, urls(v("get"), "/metrics", "/logs/*")),
		role("dev", "deployer", rule(v("create", "delete"), g("apps"), "deployments")),
		crb("alice-view", "view", user("alice")),
		crb("ops-pods", "pod-reader", group("ops")),
		crb("carol-status", "any-status", user("carol")),
		crb("dave-apps", "apps-all", user("dave")),
		crb("monitor", "metrics", sa("kube-system", "prometheus")),
		crb("all-sa-pods", "pod-reader", group("system:serviceaccounts:ci")),
		crb("ghost", "missing-role", user("erin")),
		rb("dev", "bob-edit", "ClusterRole", "edit", user("bob")),
		rb("dev", "bob-deployer", "Role", "deployer", user("bob")),
		rb("dev", "bob-logs", "ClusterRole", "log-reader", user("bob")),
		rb("dev", "builder", "ClusterRole", "pod-reader", rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: "builder"}),
		rb("prod", "frank-cm", "ClusterRole", "one-cm", user("frank")),
		rb("prod", "erin-ghost", "Role", "nope", user("erin")),
	}
	crdViewer := clusterRole("crd-viewer", map[string]string{AggregateToView: "true"}, rule(readVerbs, g("example.com"), "widgets"))
	for _, r := range aggregateAll(append(DefaultClusterRoles(), crdViewer)) {
		objs = append(objs, r)
	}
	for _, b := range DefaultClusterRoleBindings() {
		objs = append(objs, b)
	}
	p, err := newPolicy(objs...)
	if err != nil {
		t.Fatal(err)
	}
	a := &Authorizer{}
	a.setPolicy(p)
	return a
}

func TestAuthorizeMatrix(t *testing.T) {
	az := matrixPolicy(t)
	authd := func(name string, groups ...string) auth.User {
		return auth.User{Name: name, Groups: append(groups, AuthenticatedGroup)}
	}
	alice, bob, carol, dave, frank := authd("alice"), authd("bob"), authd("carol"), authd("dave"), authd("frank")
	anon := auth.User{Name: "system:anonymous", Groups: []string{UnauthenticatedGroup}}
	tests := []struct {
		name  string
		user  auth.User
		attrs auth.Attributes
		want  bool
	}{
		{"masters do anything", auth.User{Name: "root", Groups: []string{PrivilegedGroup}}, res("delete", "", "nodes", "", "n1"), true},
		{"masters any path", auth.User{Name: "root", Groups: []string{PrivilegedGroup}}, path("post", "/anything"), true},
		{"view lists pods", alice, res("list", "", "pods", "default", ""), true},
		{"view lists pods in all namespaces", alice, res("list", "", "pods", "", ""), true},
		{"view watches deployments", alice, res("watch", "apps", "deployments", "x", ""), true},
		{"view cannot delete pods", alice, res("delete", "", "pods", "default", "p1"), false},
		{"view cannot read secrets", alice, res("get", "", "secrets", "default", "s"), false},
		{"view reads pod logs", alice, res("get", "", "pods/log", "default", "p1"), true},
		{"view cannot exec", alice, res("create", "", "pods/exec", "default", "p1"), false},
		{"view gets aggregated crd", alice, res("get", "example.com", "widgets", "default", "w"), true},
		{"view crd rule is group scoped", alice, res("get", "", "widgets", "default", "w"), false},
		{"edit in bound namespace", bob, res("create", "", "pods", "dev", ""), true},
		{"edit reads secrets via aggregation", bob, res("get", "", "secrets", "dev", "s"), true},
		{"edit includes view via aggregation", bob, res("list", "", "resourcequotas", "dev", ""), true},
		{"edit not in other namespace", bob, res("create", "", "pods", "prod", ""), false},
		{"edit not cluster-wide", bob, res("list", "", "pods", "", ""), false},
		{"edit cannot grant roles", bob, res("create", "rbac.authorization.k8s.io", "rolebindings", "dev", ""), false},
		{"role in namespace", bob, res("delete", "apps", "deployments", "dev", "d"), true},
		{"subresource granted alone", bob, res("get", "", "pods/log", "dev", "p"), true},
		{"subresource needs its own rule", authd("x", "ops"), res("get", "", "pods/log", "a", "p"), false},
		{"group binding", authd("gina", "ops"), res("get", "", "pods", "a", "p"), true},
		{"group binding verb limit", authd("gina", "ops"), res("delete", "", "pods", "a", "p"), false},
		{"star subresource", carol, res("get", "apps", "deployments/status", "a", "d"), true},
		{"star subresource not parent", carol, res("get", "apps", "deployments", "a", "d"), false},
		{"star subresource other verb", carol, res("update", "", "pods/status", "a", "p"), false},
		{"wildcard verbs and resources", dave, res("deletecollection", "apps", "replicasets", "a", ""), true},
		{"wildcard resources include subresources", dave, res("update", "apps", "deployments/scale", "a", "d"), true},
		{"wildcard resources keep group", dave, res("get", "batch", "jobs", "a", "j"), false},
		{"resourceNames match", frank, res("get", "", "configmaps", "prod", "app-config"), true},
		{"resourceNames update", frank, res("update", "", "configmaps", "prod", "app-config"), true},
		{"resourceNames other name", frank, res("get", "", "configmaps", "prod", "other"), false},
		{"resourceNames deny unnamed list", frank, res("list", "", "configmaps", "prod", ""), false},
		{"resourceNames watch by name", frank, res("watch", "", "configmaps", "prod", "app-config"), false},
		{"sa user subject", auth.User{Name: "system:serviceaccount:kube-system:prometheus"}, path("get", "/metrics"), true},
		{"sa prefix url", auth.User{Name: "system:serviceaccount:kube-system:prometheus"}, path("get", "/logs/kube/a"), true},
		{"sa prefix url needs prefix", auth.User{Name: "system:serviceaccount:kube-system:prometheus"}, path("get", "/logsx"), false},
		{"sa non-resource verb", auth.User{Name: "system:serviceaccount:kube-system:prometheus"}, path("post", "/metrics"), false},
		{"other sa same name", auth.User{Name: "system:serviceaccount:default:prometheus"}, path("get", "/metrics"), false},
		{"sa namespace defaults to binding's", auth.User{Name: "system:serviceaccount:dev:builder"}, res("list", "", "pods", "dev", ""), true},
		{"sa defaulted namespace only there", auth.User{Name: "system:serviceaccount:prod:builder"}, res("list", "", "pods", "dev", ""), false},
		{"sa namespace group", auth.User{Name: "system:serviceaccount:ci:runner",
			Groups: []string{"system:serviceaccounts", "system:serviceaccounts:ci", AuthenticatedGroup}}, res("get", "", "pods", "z", "p"), true},
		{"sa other namespace group", auth.User{Name: "system:serviceaccount:cd:runner",
			Groups: []string{"system:serviceaccounts", "system:serviceaccounts:cd", AuthenticatedGroup}}, res("get", "", "pods", "z", "p"), false},
		{"discovery for authenticated", alice, path("get", "/apis/apps/v1"), true},
		{"openapi for authenticated", alice, path("get", "/openapi/v3/apis/apps/v1"), true},
		{"metrics not for authenticated", alice, path("get", "/metrics"), false},
		{"monitoring group metrics", authd("m", MonitoringGroup), path("get", "/metrics"), true},
		{"readyz for anonymous", anon, path("get", "/readyz"), true},
		{"version for anonymous", anon, path("get", "/version"), true},
		{"readyz subpath not public", anon, path("get", "/readyz/etcd"), false},
		{"head is its own verb", anon, path("head", "/readyz"), false},
		{"no discovery for anonymous", anon, path("get", "/api"), false},
		{"basic user self review", alice, res("create", "authorization.k8s.io", "selfsubjectaccessreviews", "", ""), true},
		{"nobody", authd("zed"), res("get", "", "pods", "default", "p"), false},
		{"user subject is not a group", authd("ops"), res("get", "", "pods", "a", "p"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reason := az.Authorize(tt.user, tt.attrs)
			if got != tt.want {
				t.Errorf("Authorize(%v, %+v) = %v (%q); want %v", tt.user, tt.attrs, got, reason, tt.want)
			}
		})
	}
}

func TestAuthorizeMissingRoleReason(t *testing.T) {
	az := matrixPolicy(t)
	erin := auth.User{Name: "erin", Groups: []string{AuthenticatedGroup}}
	tests := []struct {
		name  string
		attrs auth.Attributes
		want  string
	}{
		{"cluster scope", res("list", "", "pods", "", ""), `RBAC: clusterrole.rbac.authorization.k8s.io "missing-role" not found`},
		{"namespace", res("list", "", "pods", "prod", ""),
			`RBAC: [clusterrole.rbac.authorization.k8s.io "missing-role" not found, role.rbac.authorization.k8s.io "nope" not found]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allowed, got := az.Authorize(erin, tt.attrs)
			if allowed || got != tt.want {
				t.Errorf("Authorize(erin, %+v) = %v, %q; want false, %q", tt.attrs, allowed, got, tt.want)
			}
		})
	}
}

func TestNewAuthorizerServesDefaultPolicy(t *testing.T) {
	az := NewAuthorizer()
	anon := auth.User{Name: "system:anonymous", Groups: []string{UnauthenticatedGroup}}
	if ok, _ := az.Authorize(anon, path("get", "/readyz")); !ok {
		t.Errorf("anonymous GET /readyz = denied; want allowed before informers sync")
	}
	if ok, _ := az.Authorize(anon, path("get", "/api")); ok {
		t.Errorf("anonymous GET /api = allowed; want denied")
	}
}
