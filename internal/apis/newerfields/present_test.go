package newerfields

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes/scheme"
)

// TestPresentNamesKeysWhateverTheirValues: null, empty and zero values of
// newer fields are named as set ones are, at any depth, and fields the
// served version has are not.
func TestPresentNamesKeysWhateverTheirValues(t *testing.T) {
	const doc = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},
	"spec":{"template":{"spec":{"hostnameOverride":null,"nodeName":"",
		"containers":[{"name":"a","restartPolicyRules":[]},
			{"name":"b","env":[{"name":"X","valueFrom":{"fileKeyRef":null}}],
			 "livenessProbe":{"httpGet":{"port":80,"protocol":""}}}],
		"volumes":[{"name":"v","emptyDir":{"mode":""}}]}}}}`
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	got := Present(reflect.TypeOf(&appsv1.Deployment{}), v)
	want := []string{
		"spec.template.spec.containers[0].restartPolicyRules",
		"spec.template.spec.containers[1].env[0].valueFrom.fileKeyRef",
		"spec.template.spec.containers[1].livenessProbe.httpGet.protocol",
		"spec.template.spec.volumes[0].emptyDir.mode",
		"spec.template.spec.hostnameOverride",
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("Present = %q\nwant %q", got, want)
	}
	if !Mentions([]byte(doc)) {
		t.Error("Mentions = false for a document with newer fields")
	}
}

// TestPresentSkipsWrongShapes: a document whose parts do not have the
// type's shape (which the typed decoding refuses on its own) names nothing
// there and does not panic.
func TestPresentSkipsWrongShapes(t *testing.T) {
	for _, doc := range []string{`null`, `[]`, `{"spec":[]}`, `{"spec":{"containers":{}}}`, `{"spec":{"containers":[1,null,"x"]}}`} {
		var v any
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			t.Fatal(err)
		}
		if got := Present(reflect.TypeOf(&corev1.Pod{}), v); len(got) != 0 {
			t.Errorf("Present(%s) = %q; want none", doc, got)
		}
	}
}

// TestMentionsNothingNewer: a pod that only uses 1.33's fields mentions no
// newer field name, so it is decoded once.
func TestMentionsNothingNewer(t *testing.T) {
	const doc = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"app":"web"}},
	"spec":{"containers":[{"name":"c","image":"nginx","env":[{"name":"A","value":"b"}],
		"readinessProbe":{"tcpSocket":{"port":80}}}]}}`
	if Mentions([]byte(doc)) {
		t.Error("Mentions = true for a pod without newer fields")
	}
}

// TestNewerFieldsAreOmittedWhenEmpty: every newer field is left out of a
// JSON encoding when it is not set, so an object the server encodes (the
// base of a patch) never has their keys, and only a client's document
// can bring one.
func TestNewerFieldsAreOmittedWhenEmpty(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var visit func(reflect.Type)
	visit = func(t2 reflect.Type) {
		for t2.Kind() == reflect.Pointer || t2.Kind() == reflect.Slice || t2.Kind() == reflect.Array || t2.Kind() == reflect.Map {
			t2 = t2.Elem()
		}
		if t2.Kind() != reflect.Struct || seen[t2] {
			return
		}
		seen[t2] = true
		for i := range t2.NumField() {
			f := t2.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name != "" && Field(t2, name) && !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
				t.Errorf("%s.%s is newer and encoded when empty (tag %q)", t2, name, f.Tag.Get("json"))
			}
			visit(f.Type)
		}
	}
	for _, typ := range scheme.Scheme.AllKnownTypes() {
		visit(typ)
	}
}

// BenchmarkPresentPod is the cost a JSON pod body that mentions a newer
// field's name (here "resources", which containers have too) adds: the
// test, the second decoding as a plain document and the walk.
func BenchmarkPresentPod(b *testing.B) {
	const doc = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"app":"web"}},
	"spec":{"containers":[{"name":"c","image":"nginx","env":[{"name":"A","value":"b"}],
		"ports":[{"containerPort":80,"protocol":"TCP"}],"resources":{"requests":{"cpu":"100m","memory":"64Mi"}},
		"readinessProbe":{"httpGet":{"port":80,"path":"/"}}}],"volumes":[{"name":"v","configMap":{"name":"c"}}]}}`
	typ := reflect.TypeOf(&corev1.Pod{})
	b.ReportAllocs()
	for b.Loop() {
		if !Mentions([]byte(doc)) {
			b.Fatal("no mention")
		}
		var v any
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			b.Fatal(err)
		}
		if len(Present(typ, v)) != 0 {
			b.Fatal("named a field")
		}
	}
}

// BenchmarkMentionsNothing is the cost for a body without any newer
// field's name: the test alone.
func BenchmarkMentionsNothing(b *testing.B) {
	doc := []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"default"},"data":{"a":"b","c":"d"}}`)
	for b.Loop() {
		if Mentions(doc) {
			b.Fatal("mention")
		}
	}
}
