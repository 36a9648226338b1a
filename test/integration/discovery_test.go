package integration

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

// servedResources are every resource issue 2 asks for, with the
// subresources the suite exercises.
var servedResources = []string{
	"v1/namespaces", "v1/namespaces/finalize", "v1/namespaces/status", "v1/pods", "v1/pods/status", "v1/pods/binding",
	"v1/pods/eviction", "v1/nodes", "v1/services", "v1/endpoints", "v1/configmaps", "v1/secrets", "v1/serviceaccounts",
	"v1/events", "v1/persistentvolumes", "v1/persistentvolumeclaims", "v1/resourcequotas", "v1/limitranges",
	"v1/replicationcontrollers", "v1/replicationcontrollers/scale", "v1/podtemplates",
	"apps/v1/deployments", "apps/v1/deployments/scale", "apps/v1/deployments/status", "apps/v1/replicasets",
	"apps/v1/replicasets/scale", "apps/v1/statefulsets", "apps/v1/statefulsets/scale", "apps/v1/daemonsets",
	"apps/v1/controllerrevisions", "batch/v1/jobs", "batch/v1/cronjobs", "autoscaling/v1/horizontalpodautoscalers",
	"autoscaling/v2/horizontalpodautoscalers", "coordination.k8s.io/v1/leases", "discovery.k8s.io/v1/endpointslices",
	"events.k8s.io/v1/events", "networking.k8s.io/v1/ingresses", "networking.k8s.io/v1/ingressclasses",
	"networking.k8s.io/v1/networkpolicies", "policy/v1/poddisruptionbudgets", "rbac.authorization.k8s.io/v1/roles",
	"rbac.authorization.k8s.io/v1/rolebindings", "rbac.authorization.k8s.io/v1/clusterroles",
	"rbac.authorization.k8s.io/v1/clusterrolebindings", "scheduling.k8s.io/v1/priorityclasses",
	"storage.k8s.io/v1/storageclasses", "certificates.k8s.io/v1/certificatesigningrequests",
	"certificates.k8s.io/v1/certificatesigningrequests/approval",
}

// TestDiscovery: client-go's discovery (aggregated by default) and the
// legacy documents both list every served resource.
func TestDiscovery(t *testing.T) {
	dc, err := discovery.NewDiscoveryClientForConfig(shared.cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, lists, err := dc.ServerGroupsAndResources()
	if err != nil {
		t.Fatalf("aggregated discovery: %v", err)
	}
	checkAllServed(t, "client-go discovery", lists)

	legacy, err := discovery.NewDiscoveryClientForConfig(rest.CopyConfig(shared.cfg))
	if err != nil {
		t.Fatal(err)
	}
	legacy.UseLegacyDiscovery = true
	_, lists, err = legacy.ServerGroupsAndResources()
	if err != nil {
		t.Fatalf("legacy discovery: %v", err)
	}
	checkAllServed(t, "legacy discovery", lists)

	version, err := dc.ServerVersion()
	if err != nil || version.Major != "1" || !strings.HasPrefix(version.GitVersion, "v1.") {
		t.Errorf("server version %+v (err %v); want a v1.x version", version, err)
	}
}

func checkAllServed(t *testing.T, what string, lists []*metav1.APIResourceList) {
	t.Helper()
	have := map[string]metav1.APIResource{}
	for _, l := range lists {
		for _, r := range l.APIResources {
			have[l.GroupVersion+"/"+r.Name] = r
		}
	}
	for _, want := range servedResources {
		if _, ok := have[want]; !ok {
			t.Errorf("%s lacks %s", what, want)
		}
	}
	if pods := have["v1/pods"]; !pods.Namespaced || pods.Kind != "Pod" || !contains(pods.ShortNames, "po") || !contains(pods.Verbs, "watch") {
		t.Errorf("%s pods entry %+v; want namespaced Pod, short name po, verb watch", what, pods)
	}
	if ns := have["v1/namespaces"]; contains(ns.Verbs, "deletecollection") {
		t.Errorf("%s namespaces verbs %v; want no deletecollection", what, ns.Verbs)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestDiscoveryDocuments checks the raw documents and their kinds.
func TestDiscoveryDocuments(t *testing.T) {
	const aggregated = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
	tests := []struct {
		path, accept, kind string
	}{
		{path: "/api", kind: "APIVersions"},
		{path: "/apis", kind: "APIGroupList"},
		{path: "/api/v1", kind: "APIResourceList"},
		{path: "/apis/apps", kind: "APIGroup"},
		{path: "/apis/apps/v1", kind: "APIResourceList"},
		{path: "/api", accept: aggregated, kind: "APIGroupDiscoveryList"},
		{path: "/apis", accept: aggregated, kind: "APIGroupDiscoveryList"},
	}
	for _, tc := range tests {
		resp, body := do(t, rawRequest{method: "GET", path: tc.path, accept: tc.accept})
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: code %d", tc.path, resp.StatusCode)
			continue
		}
		var tm metav1.TypeMeta
		if err := json.Unmarshal(body, &tm); err != nil || tm.Kind != tc.kind {
			t.Errorf("GET %s (Accept %q): kind %q (err %v); want %s", tc.path, tc.accept, tm.Kind, err, tc.kind)
		}
		if tc.kind == "APIGroupDiscoveryList" {
			if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "as=APIGroupDiscoveryList") {
				t.Errorf("GET %s aggregated: Content-Type %q; want it to name APIGroupDiscoveryList", tc.path, ct)
			}
			var list apidiscoveryv2.APIGroupDiscoveryList
			if err := json.Unmarshal(body, &list); err != nil || len(list.Items) == 0 {
				t.Errorf("GET %s aggregated: %d groups (err %v)", tc.path, len(list.Items), err)
			}
		}
	}
	if resp, _ := do(t, rawRequest{method: "GET", path: "/apis/example.com"}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /apis/example.com: code %d; want 404", resp.StatusCode)
	}
}
