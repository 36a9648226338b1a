package encryption

import (
	"strings"
	"testing"
)

// key32 and key16 are base64 keys of 32 and 16 bytes.
const (
	key32 = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	key16 = "MDEyMzQ1Njc4OWFiY2RlZg=="
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		wantErr string // substring; "" means valid
	}{
		{name: "valid, every provider", yaml: `
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets, configmaps, "*.apps", "*.*"]
  providers:
  - aescbc: {keys: [{name: key1, secret: ` + key32 + `}]}
  - aesgcm: {keys: [{name: key2, secret: ` + key16 + `}]}
  - secretbox: {keys: [{name: key3, secret: ` + key32 + `}]}
  - identity: {}
`},
		{name: "wrong kind", yaml: "apiVersion: apiserver.config.k8s.io/v1\nkind: Foo\nresources: [{resources: [secrets], providers: [{identity: {}}]}]", wantErr: "kind: Invalid value"},
		{name: "wrong apiVersion", yaml: "apiVersion: v1\nkind: EncryptionConfiguration\nresources: [{resources: [secrets], providers: [{identity: {}}]}]", wantErr: "apiVersion: Invalid value"},
		{name: "no rules", yaml: "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration", wantErr: "resources: Required value"},
		{name: "unknown field", yaml: "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources: [{resources: [secrets], providers: [{aescbc: {kes: []}}]}]", wantErr: `unknown field "kes"`},
		{name: "short key", yaml: rule(`aescbc: {keys: [{name: k, secret: "c2hvcnQ="}]}`), wantErr: "resources[0].providers[0].aescbc.keys[0].secret: Invalid value: \"REDACTED\": secret is not of the expected length, got 5"},
		{name: "secretbox needs 32 bytes", yaml: rule(`secretbox: {keys: [{name: k, secret: ` + key16 + `}]}`), wantErr: "resources[0].providers[0].secretbox.keys[0].secret"},
		{name: "bad base64", yaml: rule(`aesgcm: {keys: [{name: k, secret: "!!"}]}`), wantErr: "resources[0].providers[0].aesgcm.keys[0].secret: Invalid value: \"REDACTED\": secret is not a valid base64"},
		{name: "missing key name", yaml: rule(`aesgcm: {keys: [{secret: ` + key16 + `}]}`), wantErr: "resources[0].providers[0].aesgcm.keys[0].name: Required value"},
		{name: "duplicate key name", yaml: rule(`aesgcm: {keys: [{name: a, secret: ` + key16 + `}, {name: a, secret: ` + key16 + `}]}`), wantErr: "resources[0].providers[0].aesgcm.keys[1].name: Duplicate value"},
		{name: "no keys", yaml: rule(`aescbc: {keys: []}`), wantErr: "resources[0].providers[0].aescbc.keys: Required value"},
		{name: "two providers in one entry", yaml: rule(`{identity: {}, aescbc: {keys: [{name: a, secret: ` + key16 + `}]}}`), wantErr: "resources[0].providers[0]: Invalid value"},
		{name: "kms unsupported", yaml: rule(`kms: {name: x}`), wantErr: "resources[0].providers[0].kms: Unsupported value"},
		{name: "bare wildcard", yaml: "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources: [{resources: ['*'], providers: [{identity: {}}]}]", wantErr: "resources[0].resources[0]: Invalid value"},
		{name: "no providers", yaml: "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources: [{resources: [secrets]}]", wantErr: "resources[0].providers: Required value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Parse() error = %v; want nil", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("Parse() error = nil; want one containing %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("Parse() error = %v; want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// rule wraps one provider entry (a YAML flow mapping, braces optional) in a
// configuration for secrets.
func rule(provider string) string {
	if !strings.HasPrefix(provider, "{") {
		provider = "{" + provider + "}"
	}
	return "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources: [{resources: [secrets], providers: [" + provider + "]}]"
}
