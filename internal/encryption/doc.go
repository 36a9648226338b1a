// Package encryption owns encryption at rest: it reads upstream's
// EncryptionConfiguration (apiserver.config.k8s.io/v1) and turns it into a
// storage.Transformer that encrypts the bytes of chosen resources on their
// way to etcd.
//
// A configuration lists rules; each names resources ("secrets",
// "deployments.apps", "*.apps" for a whole group, "*." for the core group,
// "*.*" for everything) and an ordered list of providers (aescbc, aesgcm,
// secretbox, identity), each with ordered keys. The first rule naming a
// resource decides for it; resources no rule names are stored as they are.
// Within a rule the first key of the first provider writes; reading picks
// the provider whose prefix the stored bytes carry, with upstream's on-disk
// prefixes ("k8s:enc:aescbc:v1:<key name>:" and so on; identity has none).
// Bytes read with any other provider or key are stale, and the storage layer
// rewrites them on the next update even if nothing changed.
//
// Rotation is upstream's: add the new key first, restart the server, then
// rewrite every object (kubectl get secrets -A -o json | kubectl replace -f
// -); afterwards the old key can be removed. To start encrypting existing
// plaintext data keep identity last in the list until everything has been
// rewritten.
//
// Use:
//
//	cfg, err := encryption.LoadFile(path)
//	tr, err := encryption.NewTransformer(cfg, "/registry", storageKeys)
//	store, err := storage.New(storage.Config{..., Transformer: tr})
package encryption
