package encryption

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/skiff-dev/skiff/internal/storage"
)

var (
	_ storage.Transformer  = (*Transformer)(nil)
	_ storage.StaleChecker = (*Transformer)(nil)
)

// Transformer encrypts stored bytes by resource; it implements
// storage.Transformer and storage.StaleChecker. It is read-only once built
// and safe for concurrent use.
type Transformer struct {
	// prefix is the storage prefix with a trailing slash, "/registry/".
	prefix string
	// chains maps a storage key segment ("secrets", "apps/deployments") to
	// the providers of its rule; a missing entry means no rule.
	chains map[string][]*provider
	// fallback is the "*.*" rule's chain, for keys of unknown resources.
	fallback []*provider
}

// NewTransformer builds the transformer for cfg. storagePrefix is the
// store's key prefix ("/registry"); storageKeys maps each stored resource's
// key segment ("secrets", "apps/deployments") to its group and resource.
func NewTransformer(cfg *Configuration, storagePrefix string, storageKeys map[string]schema.GroupResource) (*Transformer, error) {
	rules := make([][]*provider, len(cfg.Resources))
	for i, rc := range cfg.Resources {
		for _, pc := range rc.Providers {
			ps, err := newProviders(pc)
			if err != nil {
				return nil, fmt.Errorf("resources[%d]: %w", i, err)
			}
			rules[i] = append(rules[i], ps...)
		}
	}
	t := &Transformer{prefix: "/" + strings.Trim(storagePrefix, "/") + "/", chains: map[string][]*provider{}}
	for seg, gr := range storageKeys {
		if i := ruleFor(cfg, gr); i >= 0 {
			t.chains[seg] = rules[i]
		}
	}
	for i, rc := range cfg.Resources {
		if slices.Contains(rc.Resources, "*.*") {
			t.fallback = rules[i]
			break
		}
	}
	return t, nil
}

// ruleFor returns the index of the first rule naming gr, or -1.
func ruleFor(cfg *Configuration, gr schema.GroupResource) int {
	for i, rc := range cfg.Resources {
		for _, r := range rc.Resources {
			if Matches(r, gr) {
				return i
			}
		}
	}
	return -1
}

// Matches reports whether a configuration resource name ("secrets",
// "deployments.apps", "*.apps", "*.", "*.*") names gr.
func Matches(name string, gr schema.GroupResource) bool {
	res, group, _ := strings.Cut(name, ".")
	switch {
	case name == "*.*":
		return true
	case res == "*":
		return group == gr.Group
	}
	return res == gr.Resource && group == gr.Group
}

// chain returns the providers for an etcd key, nil when none apply.
func (t *Transformer) chain(key string) []*provider {
	rest, ok := strings.CutPrefix(key, t.prefix)
	if !ok {
		return t.fallback
	}
	first, tail, _ := strings.Cut(rest, "/")
	second, _, _ := strings.Cut(tail, "/")
	if c, ok := t.chains[first+"/"+second]; ok {
		return c
	}
	if c, ok := t.chains[first]; ok {
		return c
	}
	return t.fallback
}

// TransformToStorage encrypts with the first provider of the key's rule.
func (t *Transformer) TransformToStorage(_ context.Context, data []byte, key string) ([]byte, error) {
	c := t.chain(key)
	if len(c) == 0 || c[0].identity() {
		return data, nil
	}
	sealed, err := c[0].seal(data, key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(c[0].prefix)+len(sealed))
	return append(append(out, c[0].prefix...), sealed...), nil
}

// TransformFromStorage decrypts with the provider whose prefix the stored
// bytes carry.
func (t *Transformer) TransformFromStorage(_ context.Context, data []byte, key string) ([]byte, error) {
	c := t.chain(key)
	for _, p := range c {
		if !p.matches(data) {
			continue
		}
		if p.identity() {
			return data, nil
		}
		out, err := p.open(data[len(p.prefix):], key)
		if err != nil {
			return nil, fmt.Errorf("decrypt with %q: %w", strings.TrimSuffix(string(p.prefix), ":"), err)
		}
		return out, nil
	}
	if len(c) == 0 && !bytes.HasPrefix(data, []byte(encryptedPrefix)) {
		return data, nil
	}
	if bytes.HasPrefix(data, []byte(encryptedPrefix)) {
		return nil, errors.New("no matching prefix found: the stored data is encrypted with a provider or key that is not configured")
	}
	return nil, errors.New("no matching prefix found: the stored data is not encrypted and identity is not among the providers")
}

// Stale reports whether stored bytes were written by anything other than the
// key's current write provider; storage rewrites such objects on update.
func (t *Transformer) Stale(stored []byte, key string) bool {
	c := t.chain(key)
	if len(c) == 0 {
		return bytes.HasPrefix(stored, []byte(encryptedPrefix))
	}
	return !c[0].matches(stored)
}
