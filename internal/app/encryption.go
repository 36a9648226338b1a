package app

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/skiff-dev/skiff/internal/apis"
	"github.com/skiff-dev/skiff/internal/encryption"
	"github.com/skiff-dev/skiff/internal/storage"
)

// encryptionTransformer loads --encryption-provider-config and returns the
// storage transformer for it; nil (identity) when no file is given. A
// malformed file is an error naming the field.
func encryptionTransformer(path string) (storage.Transformer, error) {
	if path == "" {
		return nil, nil
	}
	cfg, err := encryption.LoadFile(path)
	if err != nil {
		return nil, err
	}
	resources, err := apis.Table(scheme.Scheme)
	if err != nil {
		return nil, err
	}
	keys := make(map[string]schema.GroupResource, len(resources))
	for _, r := range resources {
		if _, dup := keys[r.StorageKey]; !dup {
			keys[r.StorageKey] = r.GVR.GroupResource()
		}
	}
	return encryption.NewTransformer(cfg, storage.DefaultPrefix, keys)
}
