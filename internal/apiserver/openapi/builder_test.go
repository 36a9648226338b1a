package openapi

import (
	"bytes"
	"crypto/sha512"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
)

var allVerbs = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}

// testResources is a small served set: the kinds the tests look at.
func testResources() []Resource {
	return []Resource{
		{GVK: appsv1.SchemeGroupVersion.WithKind("Deployment"), Resource: "deployments", Namespaced: true,
			Verbs: allVerbs, Subresources: []string{"status", "scale"},
			Type: reflect.TypeFor[appsv1.Deployment](), ListType: reflect.TypeFor[appsv1.DeploymentList]()},
		{GVK: corev1.SchemeGroupVersion.WithKind("Pod"), Resource: "pods", Namespaced: true, Verbs: allVerbs,
			Subresources: []string{"status", "binding", "eviction", "log", "exec", "attach", "portforward", "proxy", "ephemeralcontainers"},
			Type:         reflect.TypeFor[corev1.Pod](), ListType: reflect.TypeFor[corev1.PodList]()},
		{GVK: corev1.SchemeGroupVersion.WithKind("Service"), Resource: "services", Namespaced: true,
			Verbs: allVerbs, Subresources: []string{"status", "proxy"},
			Type: reflect.TypeFor[corev1.Service](), ListType: reflect.TypeFor[corev1.ServiceList]()},
		{GVK: corev1.SchemeGroupVersion.WithKind("ConfigMap"), Resource: "configmaps", Namespaced: true,
			Verbs: allVerbs, Type: reflect.TypeFor[corev1.ConfigMap](), ListType: reflect.TypeFor[corev1.ConfigMapList]()},
		{GVK: corev1.SchemeGroupVersion.WithKind("Namespace"), Resource: "namespaces",
			Verbs:        []string{"get", "list", "watch", "create", "update", "patch", "delete"},
			Subresources: []string{"status", "finalize"},
			Type:         reflect.TypeFor[corev1.Namespace](), ListType: reflect.TypeFor[corev1.NamespaceList]()},
		{GVK: coordinationv1.SchemeGroupVersion.WithKind("Lease"), Resource: "leases", Namespaced: true,
			Verbs: allVerbs, Type: reflect.TypeFor[coordinationv1.Lease](), ListType: reflect.TypeFor[coordinationv1.LeaseList]()},
	}
}

// shared builds the test documents once for the whole package.
var shared = sync.OnceValue(func() *Builder { return NewBuilder(testResources(), "v1.33.0") })

// v2Doc returns the shared v2 document decoded as generic JSON.
func v2Doc(t *testing.T) map[string]any {
	t.Helper()
	raw, err := shared().V2()
	if err != nil {
		t.Fatalf("V2() error: %v", err)
	}
	return decode(t, raw)
}

// v3Doc returns the shared v3 document of key decoded as generic JSON.
func v3Doc(t *testing.T, key string) map[string]any {
	t.Helper()
	raw, found := shared().V3Paths()[key]
	if !found {
		t.Fatalf("V3Paths()[%q] missing; have %v", key, keys(shared().V3Paths()))
	}
	return decode(t, raw)
}

func decode(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("decode document: %v", err)
	}
	return out
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// at walks a decoded document along keys and returns what it finds (nil
// when a step is missing).
func at(v any, path ...string) any {
	for _, k := range path {
		m, isMap := v.(map[string]any)
		if !isMap {
			return nil
		}
		v = m[k]
	}
	return v
}

func TestNewBuilderIsLazy(t *testing.T) {
	b := NewBuilder(testResources(), "v1.33.0")
	if b.docs != nil {
		t.Fatalf("NewBuilder built the documents eagerly; want them built on first use")
	}
	b.V3Discovery()
	if b.docs == nil || b.proto.gz != nil {
		t.Fatalf("V3Discovery(): json built %v, protobuf built %v; want the JSON documents only", b.docs != nil, b.proto.gz != nil)
	}
	if _, err := b.V2ProtobufDoc(); err != nil || b.proto.gz == nil {
		t.Fatalf("V2ProtobufDoc() error %v, protobuf built %v; want it built", err, b.proto.gz != nil)
	}
}

func TestBuildIsDeterministicAndConcurrent(t *testing.T) {
	a, b := NewBuilder(testResources(), "v1.33.0"), NewBuilder(testResources(), "v1.33.0")
	var wg sync.WaitGroup
	got := make([][]byte, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = b.V2()
		}()
	}
	wg.Wait()
	want, err := a.V2()
	if err != nil {
		t.Fatalf("V2() error: %v", err)
	}
	for i, g := range got {
		if !bytes.Equal(g, want) {
			t.Errorf("concurrent V2() #%d differs from a fresh build (len %d, want %d)", i, len(g), len(want))
		}
	}
	for key, doc := range a.V3Paths() {
		if !bytes.Equal(doc, b.V3Paths()[key]) {
			t.Errorf("V3Paths()[%q] differs between two builds of the same resources", key)
		}
	}
}

func TestV3Discovery(t *testing.T) {
	b := shared()
	var disc struct {
		Paths map[string]struct {
			URL string `json:"serverRelativeURL"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(b.V3Discovery(), &disc); err != nil {
		t.Fatalf("decode V3Discovery(): %v", err)
	}
	docs := b.V3Paths()
	for _, key := range []string{"api", "api/v1", "apis", "apis/apps", "apis/apps/v1", "version"} {
		doc, found := docs[key]
		if !found {
			t.Errorf("V3Paths() lacks %q; have %v", key, keys(docs))
			continue
		}
		want := fmt.Sprintf("/openapi/v3/%s?hash=%X", key, sha512.Sum512(doc))
		if got := disc.Paths[key].URL; got != want {
			t.Errorf("V3Discovery() %q serverRelativeURL = %q; want %q", key, got, want)
		}
	}
	if got, want := keys(disc.Paths), keys(docs); !reflect.DeepEqual(got, want) {
		t.Errorf("V3Discovery() keys = %v; want V3Paths() keys %v", got, want)
	}
}

func TestBadResourceType(t *testing.T) {
	b := NewBuilder([]Resource{{GVK: appsv1.SchemeGroupVersion.WithKind("Deployment"), Resource: "deployments",
		Type: reflect.TypeFor[string]()}}, "v1.33.0")
	if _, err := b.V2(); err == nil {
		t.Errorf("V2() with a non-struct type: got no error; want one")
	}
	if got := b.V3Paths(); got != nil {
		t.Errorf("V3Paths() after a failed build = %v; want nil", keys(got))
	}
}

// TestDocsKeptCompressed: the documents are kept gzip-compressed, much
// smaller than their JSON, and decompress to what V2 and V3Paths return.
func TestDocsKeptCompressed(t *testing.T) {
	b := NewBuilder(testResources(), "v1.33.0")
	d, err := b.V2Doc()
	if err != nil {
		t.Fatal(err)
	}
	plain, err := b.V2()
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Gzip()) == 0 || len(d.Gzip())*4 > len(plain) {
		t.Errorf("v2 kept in %d bytes for %d of JSON; want it compressed", len(d.Gzip()), len(plain))
	}
	var buf bytes.Buffer
	if _, err := d.WriteTo(&buf); err != nil || !bytes.Equal(buf.Bytes(), plain) || !json.Valid(plain) {
		t.Errorf("v2 WriteTo: err %v, equal to V2 %v", err, bytes.Equal(buf.Bytes(), plain))
	}
	for key, doc := range b.V3Paths() {
		kept, ok := b.V3Doc(key)
		if !ok {
			t.Fatalf("V3Doc(%q) missing", key)
		}
		got, err := kept.Bytes()
		if err != nil || !bytes.Equal(got, doc) {
			t.Errorf("V3Doc(%q) decompresses to %d bytes (err %v); V3Paths has %d", key, len(got), err, len(doc))
		}
	}
	if _, ok := b.V3Doc("apis/none/v1"); ok {
		t.Error("V3Doc of an unknown key: found")
	}
}
