package audit

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/skiff-dev/skiff/internal/apiserver/auth"
)

const testPolicy = `
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
omitManagedFields: true
rules:
- level: None
  users: ["system:kube-proxy"]
  verbs: [watch]
- level: None
  userGroups: ["system:nodes"]
  nonResourceURLs: ["/healthz*", /version]
- level: RequestResponse
  resources:
  - group: ""
    resources: [pods/log, "*/status"]
- level: Request
  resources:
  - group: ""
    resources: [configmaps]
    resourceNames: [controller-leader]
  namespaces: [kube-system]
  omitManagedFields: false
- level: Metadata
  resources:
  - group: ""
    resources: [secrets]
  - group: apps
- level: Request
  resources:
  - group: batch
    resources: ["jobs/*"]
  omitStages: [ResponseComplete]
- level: Metadata
  nonResourceURLs: ["*"]
`

func TestDecide(t *testing.T) {
	p, err := ParsePolicy([]byte(testPolicy))
	if err != nil {
		t.Fatalf("ParsePolicy() error = %v", err)
	}
	alice := auth.User{Name: "alice", Groups: []string{"dev", "system:authenticated"}}
	node := auth.User{Name: "system:node:n1", Groups: []string{"system:nodes", "system:authenticated"}}
	proxy := auth.User{Name: "system:kube-proxy", Groups: []string{"system:authenticated"}}
	tests := []struct {
		name        string
		user        auth.User
		method, url string
		wantLevel   Level
		wantOmit    []Stage
		wantOmitMF  bool
	}{
		{name: "user and verb match: None", user: proxy, method: "GET", url: "/api/v1/secrets?watch=true", wantLevel: LevelNone},
		{name: "same user, other verb falls through", user: proxy, method: "GET", url: "/api/v1/secrets", wantLevel: LevelMetadata, wantOmit: []Stage{StageRequestReceived}, wantOmitMF: true},
		{name: "group and non-resource prefix wildcard", user: node, method: "GET", url: "/healthz/etcd", wantLevel: LevelNone},
		{name: "non-resource exact", user: node, method: "GET", url: "/version", wantLevel: LevelNone},
		{name: "non-resource for another group: catch-all", user: alice, method: "GET", url: "/version", wantLevel: LevelMetadata, wantOmit: []Stage{StageRequestReceived}, wantOmitMF: true},
		{name: "subresource by name", user: alice, method: "GET", url: "/api/v1/namespaces/a/pods/p/log", wantLevel: LevelRequestResponse, wantOmit: []Stage{StageRequestReceived}, wantOmitMF: true},
		{name: "*/status", user: alice, method: "PUT", url: "/api/v1/namespaces/a/pods/p/status", wantLevel: LevelRequestResponse, wantOmit: []Stage{StageRequestReceived}, wantOmitMF: true},
		{name: "plain pods match no resource rule", user: alice, method: "GET", url: "/api/v1/namespaces/a/pods/p", wantLevel: LevelNone},
		{name: "resourceNames and namespace match", user: alice, method: "PUT", url: "/api/v1/namespaces/kube-system/configmaps/controller-leader", wantLevel: LevelRequest, wantOmit: []Stage{StageRequestReceived}},
		{name: "resourceNames mismatch", user: alice, method: "PUT", url: "/api/v1/namespaces/kube-system/configmaps/other", wantLevel: LevelNone},
		{name: "namespace mismatch", user: alice, method: "PUT", url: "/api/v1/namespaces/default/configmaps/controller-leader", wantLevel: LevelNone},
		{name: "secrets", user: alice, method: "GET", url: "/api/v1/namespaces/a/secrets", wantLevel: LevelMetadata, wantOmit: []Stage{StageRequestReceived}, wantOmitMF: true},
		{name: "whole group", user: alice, method: "DELETE", url: "/apis/apps/v1/namespaces/a/deployments/d", wantLevel: LevelMetadata, wantOmit: []Stage{StageRequestReceived}, wantOmitMF: true},
		{name: "resource/* covers subresources", user: alice, method: "PUT", url: "/apis/batch/v1/namespaces/a/jobs/j/status", wantLevel: LevelRequest, wantOmit: []Stage{StageRequestReceived, StageResponseComplete}, wantOmitMF: true},
		{name: "resource rule never matches non-resource URL", user: alice, method: "GET", url: "/apis", wantLevel: LevelMetadata, wantOmit: []Stage{StageRequestReceived}, wantOmitMF: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.url, nil)
			got := p.Decide(tt.user, auth.AttributesFrom(r))
			if got.Level != tt.wantLevel || (got.Level != LevelNone && (!slices.Equal(got.OmitStages, tt.wantOmit) || got.OmitManagedFields != tt.wantOmitMF)) {
				t.Errorf("Decide(%s %s %s) = %+v; want level %s, omitStages %v, omitManagedFields %v", tt.user.Name, tt.method, tt.url, got, tt.wantLevel, tt.wantOmit, tt.wantOmitMF)
			}
		})
	}
}

func TestParsePolicyErrors(t *testing.T) {
	head := "apiVersion: audit.k8s.io/v1\nkind: Policy\n"
	tests := []struct {
		name, yaml, wantErr string
	}{
		{name: "valid empty", yaml: head},
		{name: "wrong kind", yaml: "apiVersion: audit.k8s.io/v1\nkind: Foo\n", wantErr: "kind: Invalid value"},
		{name: "wrong version", yaml: "apiVersion: audit.k8s.io/v1beta1\nkind: Policy\n", wantErr: "apiVersion: Invalid value"},
		{name: "bad level", yaml: head + "rules: [{level: Everything}]", wantErr: "rules[0].level: Unsupported value"},
		{name: "bad stage", yaml: head + "rules: [{level: None}, {level: Metadata, omitStages: [Later]}]", wantErr: "rules[1].omitStages[0]: Unsupported value"},
		{name: "both resources and URLs", yaml: head + "rules: [{level: None, resources: [{group: ''}], nonResourceURLs: [/x]}]", wantErr: "rules[0].nonResourceURLs: Invalid value"},
		{name: "URL without slash", yaml: head + "rules: [{level: None, nonResourceURLs: [healthz]}]", wantErr: "rules[0].nonResourceURLs[0]: Invalid value"},
		{name: "inner wildcard", yaml: head + "rules: [{level: None, nonResourceURLs: ['/a*/b']}]", wantErr: "rules[0].nonResourceURLs[0]: Invalid value"},
		{name: "unknown field", yaml: head + "rules: [{level: None, user: [x]}]", wantErr: `unknown field "user"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePolicy([]byte(tt.yaml))
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("ParsePolicy() error = %v; want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParsePolicy() error = %v; want one containing %q", err, tt.wantErr)
			}
		})
	}
}
