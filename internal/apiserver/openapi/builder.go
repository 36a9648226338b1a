package openapi

import (
	"reflect"
	"sync"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Resource is what the server serves, as openapi needs it.
type Resource struct {
	// GVK is the served group, version and kind, e.g. apps/v1 Deployment.
	GVK schema.GroupVersionKind
	// Resource is the plural resource name, e.g. "deployments".
	Resource   string
	Namespaced bool
	// Verbs of the main resource: get list watch create update patch
	// delete deletecollection.
	Verbs []string
	// Subresources served, e.g. "status", "scale". scale uses
	// autoscaling/v1 Scale, binding v1 Binding, eviction policy/v1
	// Eviction, token authentication/v1 TokenRequest; exec, attach,
	// portforward and proxy are connect operations, log a plain-text read;
	// any other subresource reads and writes the kind itself.
	Subresources []string
	// Type is the Go struct type of the kind, e.g.
	// reflect.TypeOf(appsv1.Deployment{}); ListType that of its list
	// (nil when the resource cannot be listed).
	Type     reflect.Type
	ListType reflect.Type
}

// Builder builds the OpenAPI documents of a fixed set of resources. The
// documents are built once, on the first call of any method, and then
// served from memory. A Builder is safe for concurrent use; the
// byte slices it returns are shared and must not be modified.
type Builder struct {
	resources []Resource
	version   string

	once sync.Once
	docs *documents
	err  error

	protoOnce sync.Once
	proto     Doc
	protoErr  error
}

// documents are the built, encoded documents, compressed (Doc) but for the
// small v3 index.
type documents struct {
	v2          Doc
	v3          map[string]Doc // "apis/apps/v1" -> document
	v3Discovery []byte
}

// NewBuilder returns a Builder for resources, with version (the server's
// git version, e.g. "v1.33.0") in each document's info. It does no work:
// the documents are built on first use.
func NewBuilder(resources []Resource, version string) *Builder {
	return &Builder{resources: append([]Resource(nil), resources...), version: version}
}

// warmJSON builds the JSON documents once.
func (b *Builder) warmJSON() error {
	b.once.Do(b.build)
	return b.err
}

func (b *Builder) build() {
	b.docs, b.err = buildDocuments(b.resources, b.version)
}

// V2Doc returns the swagger 2.0 document as JSON.
func (b *Builder) V2Doc() (Doc, error) {
	if err := b.warmJSON(); err != nil {
		return Doc{}, err
	}
	return b.docs.v2, nil
}

// V2 returns the swagger 2.0 document as JSON, uncompressed.
func (b *Builder) V2() ([]byte, error) {
	d, err := b.V2Doc()
	if err != nil {
		return nil, err
	}
	return d.Bytes()
}

// V3Doc returns the OpenAPI 3.0 document (JSON) at key, its path under
// /openapi/v3 ("api/v1", "apis/apps/v1", "apis/apps", "api", "apis",
// "version"); false when there is none or the documents could not be
// built (V2 returns the error).
func (b *Builder) V3Doc(key string) (Doc, bool) {
	if b.warmJSON() != nil {
		return Doc{}, false
	}
	d, ok := b.docs.v3[key]
	return d, ok
}

// V3Paths returns every OpenAPI 3.0 document, uncompressed, keyed as
// V3Doc's; nil when the documents could not be built.
func (b *Builder) V3Paths() map[string][]byte {
	if b.warmJSON() != nil {
		return nil
	}
	out := make(map[string][]byte, len(b.docs.v3))
	for k, d := range b.docs.v3 {
		plain, err := d.Bytes()
		if err != nil {
			return nil
		}
		out[k] = plain
	}
	return out
}

// V3Discovery returns the JSON answer of GET /openapi/v3: each document's
// key mapped to its serverRelativeURL, "/openapi/v3/<key>?hash=<HASH>",
// where HASH is the upper-case hex SHA-512 of the document. The server
// should serve a request whose hash matches with a long-lived
// Cache-Control header, as upstream does.
func (b *Builder) V3Discovery() []byte {
	if b.warmJSON() != nil {
		return []byte(`{"paths":{}}`)
	}
	return b.docs.v3Discovery
}
