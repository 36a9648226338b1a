package storage

import (
	"encoding/base64"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func TestContinueTokenRoundTrip(t *testing.T) {
	tests := []struct {
		name      string
		key       string
		prefix    string
		rev       int64
		wantStart string
	}{
		{name: "namespaced list", key: "/registry/pods/ns/a", prefix: "/registry/pods/ns/", rev: 7, wantStart: "/registry/pods/ns/a\x00"},
		{name: "all namespaces", key: "/registry/pods/ns/a", prefix: "/registry/pods/", rev: 9, wantStart: "/registry/pods/ns/a\x00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token, err := encodeContinue(tt.key, tt.prefix, tt.rev)
			if err != nil {
				t.Fatalf("encodeContinue() error = %v", err)
			}
			start, rev, err := decodeContinue(token, tt.prefix)
			if err != nil {
				t.Fatalf("decodeContinue(%q) error = %v", token, err)
			}
			if start != tt.wantStart || rev != tt.rev {
				t.Errorf("decodeContinue(%q) = %q, %d; want %q, %d", token, start, rev, tt.wantStart, tt.rev)
			}
		})
	}
}

func TestContinueTokenUpstreamFormat(t *testing.T) {
	// A token as upstream's API server writes it.
	token := base64.RawURLEncoding.EncodeToString([]byte(`{"v":"meta.k8s.io/v1","rv":42,"start":"ns/b\u0000"}`))
	start, rev, err := decodeContinue(token, "/registry/pods/")
	if err != nil {
		t.Fatalf("decodeContinue(%q) error = %v", token, err)
	}
	if start != "/registry/pods/ns/b\x00" || rev != 42 {
		t.Errorf("decodeContinue(%q) = %q, %d; want %q, 42", token, start, rev, "/registry/pods/ns/b\x00")
	}
}

func TestContinueTokenInvalid(t *testing.T) {
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name  string
		token string
	}{
		{name: "not base64", token: "!!"},
		{name: "not json", token: enc("nope")},
		{name: "wrong version", token: enc(`{"v":"v2","rv":1,"start":"a"}`)},
		{name: "zero revision", token: enc(`{"v":"meta.k8s.io/v1","rv":0,"start":"a"}`)},
		{name: "empty start", token: enc(`{"v":"meta.k8s.io/v1","rv":3,"start":""}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := decodeContinue(tt.token, "/registry/pods/")
			if !apierrors.IsBadRequest(err) {
				t.Errorf("decodeContinue(%q) error = %v; want BadRequest", tt.token, err)
			}
		})
	}
}

func FuzzDecodeContinue(f *testing.F) {
	f.Add("eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDIsInN0YXJ0IjoibnMvYlx1MDAwMCJ9")
	f.Add("")
	f.Fuzz(func(t *testing.T, token string) {
		start, rev, err := decodeContinue(token, "/registry/pods/")
		if err != nil {
			return
		}
		if rev <= 0 || len(start) <= len("/registry/pods/") {
			t.Errorf("decodeContinue(%q) = %q, %d; want a revision > 0 and a start inside the prefix", token, start, rev)
		}
	})
}
