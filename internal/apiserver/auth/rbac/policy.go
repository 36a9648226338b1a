package rbac

import (
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The label and annotation of the default policy, as upstream: objects
// with the label are reconciled at every start unless the annotation says
// "false".
const (
	BootstrapLabel      = "kubernetes.io/bootstrapping"
	BootstrapLabelValue = "rbac-defaults"
	AutoUpdateKey       = "rbac.authorization.kubernetes.io/autoupdate"
)

// The aggregation labels that fold roles into admin, edit and view.
const (
	AggregateToAdmin = "rbac.authorization.k8s.io/aggregate-to-admin"
	AggregateToEdit  = "rbac.authorization.k8s.io/aggregate-to-edit"
	AggregateToView  = "rbac.authorization.k8s.io/aggregate-to-view"
)

// Well-known groups.
const (
	AuthenticatedGroup   = "system:authenticated"
	UnauthenticatedGroup = "system:unauthenticated"
	MonitoringGroup      = "system:monitoring"
	BootstrappersGroup   = "system:bootstrappers"
	NodesGroup           = "system:nodes"
)

var (
	readVerbs  = []string{"get", "list", "watch"}
	writeVerbs = []string{"create", "delete", "deletecollection", "patch", "update"}
	allVerbs   = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
)

func rule(verbs []string, groups []string, resources ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{Verbs: verbs, APIGroups: groups, Resources: resources}
}

func urls(verbs []string, paths ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{Verbs: verbs, NonResourceURLs: paths}
}

func g(groups ...string) []string { return groups }

func v(verbs ...string) []string { return verbs }

func meta(name string, extraLabels ...string) metav1.ObjectMeta {
	labels := map[string]string{BootstrapLabel: BootstrapLabelValue}
	for _, l := range extraLabels {
		labels[l] = "true"
	}
	return metav1.ObjectMeta{Name: name, Labels: labels, Annotations: map[string]string{AutoUpdateKey: "true"}}
}

func aggregating(label string) *rbacv1.AggregationRule {
	return &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{
		{MatchLabels: map[string]string{label: "true"}},
	}}
}

// DefaultClusterRoles are the cluster roles every server starts with, with
// upstream's rules (plugin/pkg/auth/authorizer/rbac/bootstrappolicy).
// admin, edit and view carry no rules of their own: they aggregate the
// system:aggregate-to-* roles (and edit folds into admin, view into edit).
func DefaultClusterRoles() []*rbacv1.ClusterRole {
	return []*rbacv1.ClusterRole{
		{ObjectMeta: meta("cluster-admin"), Rules: []rbacv1.PolicyRule{
			rule(v("*"), g("*"), "*"),
			urls(v("*"), "*"),
		}},
		{ObjectMeta: meta("admin"), AggregationRule: aggregating(AggregateToAdmin)},
		{ObjectMeta: meta("edit", AggregateToAdmin), AggregationRule: aggregating(AggregateToEdit)},
		{ObjectMeta: meta("view", AggregateToEdit), AggregationRule: aggregating(AggregateToView)},
		{ObjectMeta: meta("system:aggregate-to-admin", AggregateToAdmin), Rules: aggregateToAdminRules()},
		{ObjectMeta: meta("system:aggregate-to-edit", AggregateToEdit), Rules: aggregateToEditRules()},
		{ObjectMeta: meta("system:aggregate-to-view", AggregateToView), Rules: aggregateToViewRules()},
		{ObjectMeta: meta("system:basic-user"), Rules: []rbacv1.PolicyRule{
			rule(v("create"), g("authorization.k8s.io"), "selfsubjectaccessreviews", "selfsubjectrulesreviews"),
			rule(v("create"), g("authentication.k8s.io"), "selfsubjectreviews"),
		}},
		{ObjectMeta: meta("system:discovery"), Rules: []rbacv1.PolicyRule{
			urls(v("get"), "/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*",
				"/readyz", "/version", "/version/"),
		}},
		{ObjectMeta: meta("system:public-info-viewer"), Rules: []rbacv1.PolicyRule{
			urls(v("get"), "/healthz", "/livez", "/readyz", "/version", "/version/"),
		}},
		{ObjectMeta: meta("system:monitoring"), Rules: []rbacv1.PolicyRule{
			urls(v("get"), "/healthz", "/healthz/*", "/livez", "/livez/*", "/metrics", "/metrics/slis",
				"/readyz", "/readyz/*", "/statusz"),
		}},
		{ObjectMeta: meta("system:auth-delegator"), Rules: []rbacv1.PolicyRule{
			rule(v("create"), g("authentication.k8s.io"), "tokenreviews"),
			rule(v("create"), g("authorization.k8s.io"), "subjectaccessreviews"),
		}},
		{ObjectMeta: meta("system:node-bootstrapper"), Rules: []rbacv1.PolicyRule{
			rule(v("create", "get", "list", "watch"), g("certificates.k8s.io"), "certificatesigningrequests"),
		}},
		{ObjectMeta: meta(NodeClientApprover), Rules: []rbacv1.PolicyRule{
			rule(v("create"), g("certificates.k8s.io"), "certificatesigningrequests/nodeclient"),
		}},
		{ObjectMeta: meta(SelfNodeClientApprover), Rules: []rbacv1.PolicyRule{
			rule(v("create"), g("certificates.k8s.io"), "certificatesigningrequests/selfnodeclient"),
		}},
		// Full access to the kubelet API, upstream's role; the server's
		// resource metrics scraper (KubeletClientUser) holds it.
		{ObjectMeta: meta("system:kubelet-api-admin"), Rules: []rbacv1.PolicyRule{
			rule(readVerbs, g(""), "nodes"),
			rule(v("proxy"), g(""), "nodes"),
			rule(v("*"), g(""), "nodes/proxy", "nodes/metrics", "nodes/spec", "nodes/stats", "nodes/log"),
		}},
		// Reading metrics.k8s.io, folded into view, edit and admin, as
		// metrics-server's manifest installs it.
		{ObjectMeta: meta("system:aggregated-metrics-reader", AggregateToAdmin, AggregateToEdit, AggregateToView),
			Rules: []rbacv1.PolicyRule{rule(readVerbs, g("metrics.k8s.io"), "pods", "nodes")}},
		// system:node is upstream's role of kubelets; as upstream it is
		// bound to nobody: the node authorizer grants its rules.
		{ObjectMeta: meta("system:node"), Rules: NodeRules()},
	}
}

// The roles the CSR approver checks with a SubjectAccessReview.
const (
	NodeClientApprover     = "system:certificates.k8s.io:certificatesigningrequests:nodeclient"
	SelfNodeClientApprover = "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient"
)

// NodeRules are upstream's rules of the system:node role (bootstrappolicy
// NodeRules), the most a kubelet may do; the node authorizer narrows them
// to the node's own objects and the NodeRestriction admission plugin
// checks its writes.
func NodeRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		rule(v("create"), g("authentication.k8s.io"), "tokenreviews"),
		rule(v("create"), g("authorization.k8s.io"), "subjectaccessreviews", "localsubjectaccessreviews"),
		rule(readVerbs, g(""), "services"),
		rule(v("create", "get", "list", "watch"), g(""), "nodes"),
		rule(v("update", "patch"), g(""), "nodes/status"),
		rule(v("update", "patch"), g(""), "nodes"),
		rule(v("create", "update", "patch"), g(""), "events"),
		rule(v("create", "update", "patch"), g("events.k8s.io"), "events"),
		rule(readVerbs, g(""), "pods"),
		rule(v("create", "delete"), g(""), "pods"),
		rule(v("update", "patch"), g(""), "pods/status"),
		rule(v("create"), g(""), "pods/eviction"),
		rule(readVerbs, g(""), "secrets", "configmaps"),
		rule(v("get"), g(""), "persistentvolumeclaims", "persistentvolumes"),
		rule(v("get"), g(""), "endpoints"),
		rule(v("create", "get", "list", "watch"), g("certificates.k8s.io"), "certificatesigningrequests"),
		rule(v("get", "create", "update", "patch", "delete"), g("coordination.k8s.io"), "leases"),
		rule(v("get"), g("storage.k8s.io"), "volumeattachments"),
		rule(v("create"), g(""), "serviceaccounts/token"),
		rule(readVerbs, g("node.k8s.io"), "runtimeclasses"),
	}
}

func aggregateToAdminRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		rule(v("create"), g("authorization.k8s.io"), "localsubjectaccessreviews"),
		rule(allVerbs, g("rbac.authorization.k8s.io"), "rolebindings", "roles"),
	}
}

func aggregateToEditRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		rule(readVerbs, g(""), "pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"),
		rule(v("impersonate"), g(""), "serviceaccounts"),
		rule(writeVerbs, g(""), "pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"),
		rule(v("create"), g(""), "pods/eviction"),
		rule(writeVerbs, g(""), "configmaps", "persistentvolumeclaims", "replicationcontrollers",
			"replicationcontrollers/scale", "secrets", "serviceaccounts", "services", "services/proxy"),
		rule(v("create"), g(""), "serviceaccounts/token"),
		rule(writeVerbs, g("", "events.k8s.io"), "events"),
		rule(writeVerbs, g("apps"), "daemonsets", "deployments", "deployments/rollback", "deployments/scale",
			"replicasets", "replicasets/scale", "statefulsets", "statefulsets/scale"),
		rule(writeVerbs, g("autoscaling"), "horizontalpodautoscalers"),
		rule(writeVerbs, g("batch"), "cronjobs", "jobs"),
		rule(writeVerbs, g("extensions"), "daemonsets", "deployments", "deployments/rollback", "deployments/scale",
			"ingresses", "networkpolicies", "replicasets", "replicasets/scale", "replicationcontrollers/scale"),
		rule(writeVerbs, g("policy"), "poddisruptionbudgets"),
		rule(writeVerbs, g("networking.k8s.io"), "ingresses", "networkpolicies"),
		rule(allVerbs, g("coordination.k8s.io"), "leases"),
		rule(writeVerbs, g("resource.k8s.io"), "resourceclaims", "resourceclaimtemplates"),
	}
}

func aggregateToViewRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		rule(readVerbs, g(""), "configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status",
			"pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services",
			"services/status"),
		rule(readVerbs, g(""), "bindings", "limitranges", "namespaces/status", "pods/log", "pods/status",
			"replicationcontrollers/status", "resourcequotas", "resourcequotas/status"),
		rule(readVerbs, g(""), "namespaces"),
		rule(readVerbs, g("", "events.k8s.io"), "events"),
		rule(readVerbs, g("discovery.k8s.io"), "endpointslices"),
		rule(readVerbs, g("apps"), "controllerrevisions", "daemonsets", "daemonsets/status", "deployments",
			"deployments/scale", "deployments/status", "replicasets", "replicasets/scale", "replicasets/status",
			"statefulsets", "statefulsets/scale", "statefulsets/status"),
		rule(readVerbs, g("autoscaling"), "horizontalpodautoscalers", "horizontalpodautoscalers/status"),
		rule(readVerbs, g("batch"), "cronjobs", "cronjobs/status", "jobs", "jobs/status"),
		rule(readVerbs, g("extensions"), "daemonsets", "daemonsets/status", "deployments", "deployments/scale",
			"deployments/status", "ingresses", "ingresses/status", "networkpolicies", "replicasets",
			"replicasets/scale", "replicasets/status", "replicationcontrollers/scale"),
		rule(readVerbs, g("policy"), "poddisruptionbudgets", "poddisruptionbudgets/status"),
		rule(readVerbs, g("networking.k8s.io"), "ingresses", "ingresses/status", "networkpolicies"),
		rule(readVerbs, g("resource.k8s.io"), "resourceclaims", "resourceclaims/status", "resourceclaimtemplates"),
	}
}

// DefaultClusterRoleBindings bind the default roles as upstream does.
func DefaultClusterRoleBindings() []*rbacv1.ClusterRoleBinding {
	return []*rbacv1.ClusterRoleBinding{
		bindGroups("cluster-admin", PrivilegedGroup),
		bindGroups("system:basic-user", AuthenticatedGroup),
		bindGroups("system:discovery", AuthenticatedGroup),
		bindGroups("system:public-info-viewer", AuthenticatedGroup, UnauthenticatedGroup),
		bindGroups("system:monitoring", MonitoringGroup),
		// Node TLS bootstrapping, as kubeadm binds it: bootstrap tokens may
		// ask for node certificates, which are approved automatically,
		// and nodes may renew their own.
		bindNamed("skiff:kubelet-bootstrap", "system:node-bootstrapper", BootstrappersGroup),
		bindNamed("skiff:node-autoapprove-bootstrap", NodeClientApprover, BootstrappersGroup),
		bindNamed("skiff:node-autoapprove-certificate-rotation", SelfNodeClientApprover, NodesGroup),
		bindUser("skiff:kube-apiserver-kubelet-client", "system:kubelet-api-admin", KubeletClientUser),
	}
}

// KubeletClientUser is the identity the server presents to kubelets (the
// resource metrics scraper), kubeadm's name for it.
const KubeletClientUser = "kube-apiserver-kubelet-client"

// bindUser is a binding called name of role to one user.
func bindUser(name, role, user string) *rbacv1.ClusterRoleBinding {
	b := bindGroups(role)
	b.ObjectMeta = meta(name)
	b.Subjects = []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}
	return b
}

// bindNamed is a binding called name of role to groups.
func bindNamed(name, role string, groups ...string) *rbacv1.ClusterRoleBinding {
	b := bindGroups(role, groups...)
	b.ObjectMeta = meta(name)
	return b
}

func bindGroups(role string, groups ...string) *rbacv1.ClusterRoleBinding {
	b := &rbacv1.ClusterRoleBinding{
		ObjectMeta: meta(role),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
	}
	for _, grp := range groups {
		b.Subjects = append(b.Subjects, rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: grp})
	}
	return b
}
