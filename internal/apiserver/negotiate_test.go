package apiserver

import (
	"net/http"
	"testing"
)

// TestNegotiate: the first servable Accept clause wins, bare media types
// and clauses with parameters alike; a header naming nothing servable is
// refused.
func TestNegotiate(t *testing.T) {
	tests := []struct {
		accept string
		want   accepted
		ok     bool
	}{
		{"", accepted{mediaType: mediaJSON}, true},
		{"application/json", accepted{mediaType: mediaJSON}, true},
		{"application/vnd.kubernetes.protobuf, */*", accepted{mediaType: mediaProtobuf}, true},
		{" application/yaml ,application/json", accepted{mediaType: mediaYAML}, true},
		{"APPLICATION/JSON", accepted{mediaType: mediaJSON}, true},
		{"text/html, application/*", accepted{mediaType: mediaJSON}, true},
		{"application/json; charset=utf-8", accepted{mediaType: mediaJSON}, true},
		{"application/json;as=Table;v=v1;g=meta.k8s.io,application/json", accepted{mediaType: mediaJSON, kind: outputTable, tableVersion: "v1"}, true},
		{"application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1", accepted{mediaType: mediaProtobuf, kind: outputPartialMetadata, tableVersion: "v1"}, true},
		{"application/json;as=Table;v=v2;g=meta.k8s.io, application/yaml", accepted{mediaType: mediaYAML}, true},
		{",,application/json,", accepted{mediaType: mediaJSON}, true},
		{"text/html", accepted{}, false},
		{"application/json;as=Table;v=v2;g=meta.k8s.io", accepted{}, false},
		{"application/json;=bad", accepted{}, false},
	}
	for _, tt := range tests {
		r := &http.Request{Header: http.Header{}}
		if tt.accept != "" {
			r.Header.Set("Accept", tt.accept)
		}
		if got, ok := negotiate(r); got != tt.want || ok != tt.ok {
			t.Errorf("negotiate(Accept %q) = %+v, %v; want %+v, %v", tt.accept, got, ok, tt.want, tt.ok)
		}
	}
}
