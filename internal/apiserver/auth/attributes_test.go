package auth

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestAttributesFrom(t *testing.T) {
	tests := []struct {
		name, method, url string
		want              Attributes
	}{
		{"list pods", "GET", "/api/v1/namespaces/default/pods",
			Attributes{ResourceRequest: true, Verb: "list", APIVersion: "v1", Namespace: "default", Resource: "pods"}},
		{"list all pods", "GET", "/api/v1/pods",
			Attributes{ResourceRequest: true, Verb: "list", APIVersion: "v1", Resource: "pods"}},
		{"watch param", "GET", "/api/v1/namespaces/default/pods?watch=true",
			Attributes{ResourceRequest: true, Verb: "watch", APIVersion: "v1", Namespace: "default", Resource: "pods"}},
		{"watch=1", "GET", "/apis/apps/v1/deployments?watch=1",
			Attributes{ResourceRequest: true, Verb: "watch", APIGroup: "apps", APIVersion: "v1", Resource: "deployments"}},
		{"watch=false", "GET", "/api/v1/nodes?watch=false",
			Attributes{ResourceRequest: true, Verb: "list", APIVersion: "v1", Resource: "nodes"}},
		{"legacy watch prefix", "GET", "/api/v1/watch/namespaces/a/pods/p",
			Attributes{ResourceRequest: true, Verb: "watch", APIVersion: "v1", Namespace: "a", Resource: "pods", Name: "p"}},
		{"list by name selector", "GET", "/api/v1/namespaces/a/configmaps?fieldSelector=metadata.name%3Dcfg",
			Attributes{ResourceRequest: true, Verb: "list", APIVersion: "v1", Namespace: "a", Resource: "configmaps", Name: "cfg", FieldSelector: "metadata.name=cfg"}},
		{"watch by name selector", "GET", "/api/v1/namespaces/a/pods?watch=true&fieldSelector=metadata.name%3Dp",
			Attributes{ResourceRequest: true, Verb: "watch", APIVersion: "v1", Namespace: "a", Resource: "pods", Name: "p", FieldSelector: "metadata.name=p"}},
		{"get named", "GET", "/api/v1/namespaces/a/pods/p",
			Attributes{ResourceRequest: true, Verb: "get", APIVersion: "v1", Namespace: "a", Resource: "pods", Name: "p"}},
		{"head is get", "HEAD", "/api/v1/namespaces/a/pods/p",
			Attributes{ResourceRequest: true, Verb: "get", APIVersion: "v1", Namespace: "a", Resource: "pods", Name: "p"}},
		{"subresource", "GET", "/api/v1/namespaces/a/pods/p/log",
			Attributes{ResourceRequest: true, Verb: "get", APIVersion: "v1", Namespace: "a", Resource: "pods", Name: "p", Subresource: "log"}},
		{"create", "POST", "/apis/apps/v1/namespaces/a/deployments",
			Attributes{ResourceRequest: true, Verb: "create", APIGroup: "apps", APIVersion: "v1", Namespace: "a", Resource: "deployments"}},
		{"create subresource", "POST", "/api/v1/namespaces/a/pods/p/eviction",
			Attributes{ResourceRequest: true, Verb: "create", APIVersion: "v1", Namespace: "a", Resource: "pods", Name: "p", Subresource: "eviction"}},
		{"update", "PUT", "/apis/apps/v1/namespaces/a/deployments/d/scale",
			Attributes{ResourceRequest: true, Verb: "update", APIGroup: "apps", APIVersion: "v1", Namespace: "a", Resource: "deployments", Name: "d", Subresource: "scale"}},
		{"patch", "PATCH", "/api/v1/nodes/n1",
			Attributes{ResourceRequest: true, Verb: "patch", APIVersion: "v1", Resource: "nodes", Name: "n1"}},
		{"delete", "DELETE", "/api/v1/namespaces/a/pods/p",
			Attributes{ResourceRequest: true, Verb: "delete", APIVersion: "v1", Namespace: "a", Resource: "pods", Name: "p"}},
		{"deletecollection", "DELETE", "/api/v1/namespaces/a/pods",
			Attributes{ResourceRequest: true, Verb: "deletecollection", APIVersion: "v1", Namespace: "a", Resource: "pods"}},
		{"namespace object", "GET", "/api/v1/namespaces/a",
			Attributes{ResourceRequest: true, Verb: "get", APIVersion: "v1", Namespace: "a", Resource: "namespaces", Name: "a"}},
		{"namespaces list", "GET", "/api/v1/namespaces",
			Attributes{ResourceRequest: true, Verb: "list", APIVersion: "v1", Resource: "namespaces"}},
		{"namespace status", "PUT", "/api/v1/namespaces/a/status",
			Attributes{ResourceRequest: true, Verb: "update", APIVersion: "v1", Namespace: "a", Resource: "namespaces", Name: "a", Subresource: "status"}},
		{"namespace finalize", "PUT", "/api/v1/namespaces/a/finalize",
			Attributes{ResourceRequest: true, Verb: "update", APIVersion: "v1", Namespace: "a", Resource: "namespaces", Name: "a", Subresource: "finalize"}},
		{"legacy discovery", "GET", "/api/v1", Attributes{Verb: "get"}},
		{"group discovery", "GET", "/apis/apps/v1", Attributes{Verb: "get"}},
		{"api root", "GET", "/api", Attributes{Verb: "get"}},
		{"healthz head", "HEAD", "/readyz", Attributes{Verb: "head"}},
		{"metrics post", "POST", "/metrics", Attributes{Verb: "post"}},
		{"openapi", "GET", "/openapi/v3/apis/apps/v1", Attributes{Verb: "get"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.url, nil)
			tt.want.Path = r.URL.Path
			if got := AttributesFrom(r); got != tt.want {
				t.Errorf("AttributesFrom(%s %s) = %+v; want %+v", tt.method, tt.url, got, tt.want)
			}
		})
	}
}

func BenchmarkAttributesFrom(b *testing.B) {
	r := httptest.NewRequest("GET", "/api/v1/namespaces/default/pods?limit=500&watch=false", nil)
	b.ReportAllocs()
	for b.Loop() {
		AttributesFrom(r)
	}
}

func TestSplitPathAsStringsSplit(t *testing.T) {
	for _, p := range []string{"", "/", "//", "/api", "/api/v1/namespaces/default/pods/p1", "/apis/apps/v1/deployments/", "a//b", "/x/y/z/1/2/3/4/5/6/7/8/9"} {
		var want []string
		if trimmed := strings.Trim(p, "/"); trimmed != "" {
			want = strings.Split(trimmed, "/")
		}
		var buf [8]string
		if got := splitPath(p, buf[:0]); !slices.Equal(got, want) {
			t.Errorf("splitPath(%q) = %q; want %q", p, got, want)
		}
	}
}
