package apiserver

import (
	"net/http/httptest"
	"testing"
)

func TestWantsAggregated(t *testing.T) {
	tests := []struct {
		name   string
		accept string
		want   bool
	}{
		{"no accept header", "", false},
		{"plain json", "application/json", false},
		{"kubectl 1.33", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json", true},
		{"kubectl 1.27 asks only for v2beta1", "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json", false},
		{"protobuf v2 first, json v2 next", "application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", true},
		{"legacy json preferred", "application/json,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/apis", nil)
			if tt.accept != "" {
				r.Header.Set("Accept", tt.accept)
			}
			if got := wantsAggregated(r); got != tt.want {
				t.Errorf("wantsAggregated(Accept %q) = %v; want %v", tt.accept, got, tt.want)
			}
		})
	}
}
