package encryption

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

var testKeys = map[string]schema.GroupResource{
	"secrets":          {Resource: "secrets"},
	"configmaps":       {Resource: "configmaps"},
	"pods":             {Resource: "pods"},
	"apps/deployments": {Group: "apps", Resource: "deployments"},
	"batch/jobs":       {Group: "batch", Resource: "jobs"},
}

func mustTransformer(t *testing.T, yaml string) *Transformer {
	t.Helper()
	cfg, err := Parse([]byte(yaml))
	if err != nil {
		t.Fatalf("Parse() error = %v", err)
	}
	tr, err := NewTransformer(cfg, "/registry", testKeys)
	if err != nil {
		t.Fatalf("NewTransformer() error = %v", err)
	}
	return tr
}

func TestRoundTripPerProvider(t *testing.T) {
	ctx := context.Background()
	plain := []byte("k8s\x00 secret payload: hunter2")
	tests := []struct {
		name       string
		provider   string
		wantPrefix string
	}{
		{name: "aescbc", provider: `aescbc: {keys: [{name: key1, secret: ` + key32 + `}]}`, wantPrefix: "k8s:enc:aescbc:v1:key1:"},
		{name: "aesgcm", provider: `aesgcm: {keys: [{name: key1, secret: ` + key16 + `}]}`, wantPrefix: "k8s:enc:aesgcm:v1:key1:"},
		{name: "secretbox", provider: `secretbox: {keys: [{name: key1, secret: ` + key32 + `}]}`, wantPrefix: "k8s:enc:secretbox:v1:key1:"},
		{name: "identity", provider: `identity: {}`, wantPrefix: "k8s\x00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := mustTransformer(t, rule(tt.provider))
			key := "/registry/secrets/ns/a"
			stored, err := tr.TransformToStorage(ctx, plain, key)
			if err != nil {
				t.Fatalf("TransformToStorage() error = %v", err)
			}
			if !bytes.HasPrefix(stored, []byte(tt.wantPrefix)) {
				t.Errorf("stored = %q; want prefix %q", stored, tt.wantPrefix)
			}
			if tt.name != "identity" && bytes.Contains(stored, []byte("hunter2")) {
				t.Errorf("stored = %q; want no plaintext", stored)
			}
			got, err := tr.TransformFromStorage(ctx, stored, key)
			if err != nil || !bytes.Equal(got, plain) {
				t.Errorf("TransformFromStorage() = %q, %v; want %q, nil", got, err, plain)
			}
			if tr.Stale(stored, key) {
				t.Errorf("Stale(freshly written) = true; want false")
			}
		})
	}
}

func TestAESGCMBindsTheKey(t *testing.T) {
	ctx := context.Background()
	tr := mustTransformer(t, rule(`aesgcm: {keys: [{name: k, secret: `+key32+`}]}`))
	stored, err := tr.TransformToStorage(ctx, []byte("data"), "/registry/secrets/ns/a")
	if err != nil {
		t.Fatalf("TransformToStorage() error = %v", err)
	}
	if got, err := tr.TransformFromStorage(ctx, stored, "/registry/secrets/ns/b"); err == nil {
		t.Errorf("TransformFromStorage(value moved to another key) = %q, nil; want an error", got)
	}
}

func TestResourceSelection(t *testing.T) {
	ctx := context.Background()
	tr := mustTransformer(t, `
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers: [{aesgcm: {keys: [{name: s, secret: `+key16+`}]}}]
- resources: ["*.apps"]
  providers: [{secretbox: {keys: [{name: a, secret: `+key32+`}]}}]
- resources: [configmaps, secrets]
  providers: [{identity: {}}]
`)
	tests := []struct {
		name, key, wantPrefix string
	}{
		{name: "core resource by name", key: "/registry/secrets/ns/x", wantPrefix: "k8s:enc:aesgcm:v1:s:"},
		{name: "group wildcard", key: "/registry/apps/deployments/ns/x", wantPrefix: "k8s:enc:secretbox:v1:a:"},
		{name: "identity rule", key: "/registry/configmaps/ns/x", wantPrefix: "plain"},
		{name: "no rule", key: "/registry/pods/ns/x", wantPrefix: "plain"},
		{name: "other group, no rule", key: "/registry/batch/jobs/ns/x", wantPrefix: "plain"},
		{name: "unknown resource, no *.* rule", key: "/registry/example.com/widgets/ns/x", wantPrefix: "plain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tr.TransformToStorage(ctx, []byte("plain"), tt.key)
			if err != nil || !bytes.HasPrefix(got, []byte(tt.wantPrefix)) {
				t.Errorf("TransformToStorage(%s) = %q, %v; want prefix %q", tt.key, got, err, tt.wantPrefix)
			}
		})
	}
}

func TestMatches(t *testing.T) {
	tests := []struct {
		name string
		gr   schema.GroupResource
		want bool
	}{
		{name: "secrets", gr: schema.GroupResource{Resource: "secrets"}, want: true},
		{name: "secrets", gr: schema.GroupResource{Group: "apps", Resource: "secrets"}, want: false},
		{name: "deployments.apps", gr: schema.GroupResource{Group: "apps", Resource: "deployments"}, want: true},
		{name: "deployments.apps", gr: schema.GroupResource{Resource: "deployments"}, want: false},
		{name: "*.apps", gr: schema.GroupResource{Group: "apps", Resource: "statefulsets"}, want: true},
		{name: "*.apps", gr: schema.GroupResource{Group: "batch", Resource: "jobs"}, want: false},
		{name: "*.", gr: schema.GroupResource{Resource: "configmaps"}, want: true},
		{name: "*.", gr: schema.GroupResource{Group: "apps", Resource: "deployments"}, want: false},
		{name: "*.*", gr: schema.GroupResource{Group: "example.com", Resource: "widgets"}, want: true},
		{name: "ingresses.networking.k8s.io", gr: schema.GroupResource{Group: "networking.k8s.io", Resource: "ingresses"}, want: true},
	}
	for _, tt := range tests {
		if got := Matches(tt.name, tt.gr); got != tt.want {
			t.Errorf("Matches(%q, %v) = %v; want %v", tt.name, tt.gr, got, tt.want)
		}
	}
}

// TestRotation follows upstream's procedure: a new key goes first, old data
// still reads (and is stale), new writes use the new key, and once the old
// key is gone only data rewritten with the new key reads.
func TestRotation(t *testing.T) {
	ctx := context.Background()
	key := "/registry/secrets/ns/a"
	plain := []byte("payload")
	old := mustTransformer(t, rule(`aescbc: {keys: [{name: old, secret: `+key32+`}]}`))
	oldStored, err := old.TransformToStorage(ctx, plain, key)
	if err != nil {
		t.Fatalf("TransformToStorage(old) error = %v", err)
	}
	both := mustTransformer(t, rule(`aescbc: {keys: [{name: new, secret: `+key16+`}, {name: old, secret: `+key32+`}]}`))
	if got, err := both.TransformFromStorage(ctx, oldStored, key); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("TransformFromStorage(old data, new key first) = %q, %v; want %q", got, err, plain)
	}
	if !both.Stale(oldStored, key) {
		t.Errorf("Stale(old data, new key first) = false; want true")
	}
	newStored, err := both.TransformToStorage(ctx, plain, key)
	if err != nil || !bytes.HasPrefix(newStored, []byte("k8s:enc:aescbc:v1:new:")) {
		t.Fatalf("TransformToStorage(new key first) = %q, %v; want the new key's prefix", newStored, err)
	}
	if both.Stale(newStored, key) {
		t.Errorf("Stale(rewritten data) = true; want false")
	}
	onlyNew := mustTransformer(t, rule(`aescbc: {keys: [{name: new, secret: `+key16+`}]}`))
	if _, err := onlyNew.TransformFromStorage(ctx, oldStored, key); err == nil || !strings.Contains(err.Error(), "no matching prefix") {
		t.Errorf("TransformFromStorage(old data, old key removed) error = %v; want no matching prefix", err)
	}
	if got, err := onlyNew.TransformFromStorage(ctx, newStored, key); err != nil || !bytes.Equal(got, plain) {
		t.Errorf("TransformFromStorage(rewritten data, old key removed) = %q, %v; want %q", got, err, plain)
	}
}

func TestPlaintextMigration(t *testing.T) {
	ctx := context.Background()
	key := "/registry/secrets/ns/a"
	plain := []byte("k8s\x00payload")
	withIdentity := mustTransformer(t, rule(`aescbc: {keys: [{name: k, secret: `+key32+`}]}}, {identity: {}`))
	if got, err := withIdentity.TransformFromStorage(ctx, plain, key); err != nil || !bytes.Equal(got, plain) {
		t.Errorf("TransformFromStorage(plaintext, identity last) = %q, %v; want it unchanged", got, err)
	}
	if !withIdentity.Stale(plain, key) {
		t.Errorf("Stale(plaintext, aescbc first) = false; want true")
	}
	without := mustTransformer(t, rule(`aescbc: {keys: [{name: k, secret: `+key32+`}]}`))
	if _, err := without.TransformFromStorage(ctx, plain, key); err == nil {
		t.Errorf("TransformFromStorage(plaintext, no identity) error = nil; want no matching prefix")
	}
	identityFirst := mustTransformer(t, rule(`identity: {}}, {aescbc: {keys: [{name: k, secret: `+key32+`}]}`))
	enc, err := withIdentity.TransformToStorage(ctx, plain, key)
	if err != nil {
		t.Fatalf("TransformToStorage() error = %v", err)
	}
	if got, err := identityFirst.TransformFromStorage(ctx, enc, key); err != nil || !bytes.Equal(got, plain) {
		t.Errorf("TransformFromStorage(encrypted, identity first) = %q, %v; want %q (decrypting back out)", got, err, plain)
	}
	if !identityFirst.Stale(enc, key) {
		t.Errorf("Stale(encrypted, identity first) = false; want true")
	}
}
