package encryption

import (
	"encoding/base64"
	"fmt"
	"os"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"
)

// API version and kind of the configuration file, as upstream.
const (
	APIVersion = "apiserver.config.k8s.io/v1"
	Kind       = "EncryptionConfiguration"
)

// Configuration is upstream's EncryptionConfiguration.
type Configuration struct {
	Kind       string `json:"kind"`
	APIVersion string `json:"apiVersion"`
	// Resources are the rules, in order of precedence.
	Resources []ResourceConfiguration `json:"resources"`
}

// ResourceConfiguration is one rule: which resources, which providers.
type ResourceConfiguration struct {
	Resources []string                `json:"resources"`
	Providers []ProviderConfiguration `json:"providers"`
}

// ProviderConfiguration holds exactly one provider.
type ProviderConfiguration struct {
	AESGCM    *KeysConfiguration `json:"aesgcm,omitempty"`
	AESCBC    *KeysConfiguration `json:"aescbc,omitempty"`
	Secretbox *KeysConfiguration `json:"secretbox,omitempty"`
	Identity  *struct{}          `json:"identity,omitempty"`
	// KMS is recognised only to be rejected with a clear error.
	KMS map[string]any `json:"kms,omitempty"`
}

// KeysConfiguration lists the keys of one provider, the first one writing.
type KeysConfiguration struct {
	Keys []Key `json:"keys"`
}

// Key is a named key; Secret is base64.
type Key struct {
	Name   string `json:"name"`
	Secret string `json:"secret"`
}

// LoadFile reads and validates a configuration file.
func LoadFile(path string) (*Configuration, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("encryption provider config: %w", err)
	}
	cfg, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("encryption provider config %s: %w", path, err)
	}
	return cfg, nil
}

// Parse decodes (strictly: unknown fields are errors) and validates a
// configuration. Errors name the offending field, as upstream's do.
func Parse(data []byte) (*Configuration, error) {
	var cfg Configuration
	if err := yaml.UnmarshalStrict(data, &cfg); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if errs := cfg.validate(); len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	return &cfg, nil
}

func (c *Configuration) validate() field.ErrorList {
	var errs field.ErrorList
	if c.Kind != Kind {
		errs = append(errs, field.Invalid(field.NewPath("kind"), c.Kind, "must be "+Kind))
	}
	if c.APIVersion != APIVersion {
		errs = append(errs, field.Invalid(field.NewPath("apiVersion"), c.APIVersion, "must be "+APIVersion))
	}
	rp := field.NewPath("resources")
	if len(c.Resources) == 0 {
		errs = append(errs, field.Required(rp, "at least one resource rule is required"))
	}
	for i, rc := range c.Resources {
		errs = append(errs, rc.validate(rp.Index(i))...)
	}
	return errs
}

func (rc *ResourceConfiguration) validate(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(rc.Resources) == 0 {
		errs = append(errs, field.Required(p.Child("resources"), "at least one resource is required"))
	}
	for i, r := range rc.Resources {
		if msg := validResourceName(r); msg != "" {
			errs = append(errs, field.Invalid(p.Child("resources").Index(i), r, msg))
		}
	}
	pp := p.Child("providers")
	if len(rc.Providers) == 0 {
		errs = append(errs, field.Required(pp, "at least one provider is required"))
	}
	for i, pc := range rc.Providers {
		errs = append(errs, pc.validate(pp.Index(i))...)
	}
	return errs
}

func validResourceName(r string) string {
	switch {
	case r == "":
		return "resource name must not be empty"
	case r != strings.ToLower(r):
		return "resource name must be lower case"
	case r == "*":
		return `use "*." for all core resources or "*.*" for all resources`
	case r != "*.*" && strings.Contains(strings.TrimPrefix(r, "*."), "*"):
		return `wildcards are allowed only as "*.<group>", "*." or "*.*"`
	}
	return ""
}

// keyLengths are the valid decoded key lengths per provider, as upstream.
var keyLengths = map[string][]int{
	"aescbc":    {16, 24, 32},
	"aesgcm":    {16, 24, 32},
	"secretbox": {32},
}

func (pc *ProviderConfiguration) validate(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	set := 0
	for _, ok := range []bool{pc.AESGCM != nil, pc.AESCBC != nil, pc.Secretbox != nil, pc.Identity != nil, pc.KMS != nil} {
		if ok {
			set++
		}
	}
	if set != 1 {
		return append(errs, field.Invalid(p, fmt.Sprintf("%d providers", set), "exactly one provider must be configured per entry"))
	}
	if pc.KMS != nil {
		return append(errs, field.NotSupported(p.Child("kms"), "kms", []string{"aescbc", "aesgcm", "secretbox", "identity"}))
	}
	name, keys := pc.keyed()
	if keys == nil {
		return nil
	}
	kp := p.Child(name, "keys")
	if len(keys.Keys) == 0 {
		errs = append(errs, field.Required(kp, "at least one key is required"))
	}
	seen := map[string]bool{}
	for i, k := range keys.Keys {
		ip := kp.Index(i)
		switch {
		case k.Name == "":
			errs = append(errs, field.Required(ip.Child("name"), "key name is required"))
		case strings.Contains(k.Name, ":"):
			errs = append(errs, field.Invalid(ip.Child("name"), k.Name, "key name must not contain ':'"))
		case seen[k.Name]:
			errs = append(errs, field.Duplicate(ip.Child("name"), k.Name))
		}
		seen[k.Name] = true
		errs = append(errs, validSecret(ip.Child("secret"), k.Secret, keyLengths[name])...)
	}
	return errs
}

// keyed returns the name and keys of a keyed provider; nil keys for identity.
func (pc *ProviderConfiguration) keyed() (string, *KeysConfiguration) {
	switch {
	case pc.AESCBC != nil:
		return "aescbc", pc.AESCBC
	case pc.AESGCM != nil:
		return "aesgcm", pc.AESGCM
	case pc.Secretbox != nil:
		return "secretbox", pc.Secretbox
	}
	return "identity", nil
}

func validSecret(p *field.Path, secret string, lengths []int) field.ErrorList {
	if secret == "" {
		return field.ErrorList{field.Required(p, "secret is required")}
	}
	raw, err := base64.StdEncoding.DecodeString(secret)
	if err != nil {
		return field.ErrorList{field.Invalid(p, "REDACTED", "secret is not a valid base64 string")}
	}
	for _, n := range lengths {
		if len(raw) == n {
			return nil
		}
	}
	return field.ErrorList{field.Invalid(p, "REDACTED", fmt.Sprintf("secret is not of the expected length, got %d, expected one of %v", len(raw), lengths))}
}
