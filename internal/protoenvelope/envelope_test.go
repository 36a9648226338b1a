package protoenvelope

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func field(num protowire.Number, v []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), v)
}

func typeMeta(av, kind string) []byte {
	return field(FieldUnknownTypeMeta, append(field(FieldTypeMetaAPIVersion, []byte(av)), field(FieldTypeMetaKind, []byte(kind))...))
}

func envelope(fields ...[]byte) []byte {
	return append(bytes.Clone(Magic), bytes.Join(fields, nil)...)
}

// TestRead: an envelope reads as runtime.Unknown.Unmarshal reads it, a
// field given twice taking its last value, with the object's bytes a part
// of the input; anything Read cannot vouch for is not read.
func TestRead(t *testing.T) {
	msg, other := []byte("\x0a\x03abc"), []byte("\x0a\x03xyz")
	twice := envelope(typeMeta("apps/v1", "Deployment"), field(FieldUnknownRaw, other),
		typeMeta("v1", "Pod"), field(FieldUnknownRaw, msg), field(FieldUnknownContentType, nil))
	var unk runtime.Unknown
	if err := unk.Unmarshal(twice[len(Magic):]); err != nil {
		t.Fatal(err)
	}
	e, ok := Read(twice)
	if !ok || !bytes.Equal(e.Raw, unk.Raw) || string(e.Kind) != unk.Kind || string(e.APIVersion) != unk.APIVersion {
		t.Fatalf("Read = %q %q %x, %v; want %q %q %x", e.APIVersion, e.Kind, e.Raw, ok, unk.APIVersion, unk.Kind, unk.Raw)
	}
	twice[len(twice)-3] = 'Z' // the last byte of msg
	if e.Raw[len(e.Raw)-1] != 'Z' {
		t.Fatal("Raw is a copy, not a part of the input")
	}

	for name, b := range map[string][]byte{
		"no magic":         twice[len(Magic):],
		"content encoding": envelope(typeMeta("v1", "Pod"), field(FieldUnknownRaw, msg), field(FieldUnknownContentEncoding, []byte("gzip"))),
		"varint field":     append(envelope(typeMeta("v1", "Pod"), field(FieldUnknownRaw, msg)), protowire.AppendVarint(protowire.AppendTag(nil, 5, protowire.VarintType), 1)...),
		"truncated":        envelope(typeMeta("v1", "Pod"), field(FieldUnknownRaw, msg))[:len(Magic)+8],
		"json":             []byte(`{"apiVersion":"v1","kind":"Pod"}`),
	} {
		if e, ok := Read(b); ok {
			t.Errorf("%s: Read = %q %q %x, true", name, e.APIVersion, e.Kind, e.Raw)
		}
	}
}

func TestIs(t *testing.T) {
	pod := Envelope{APIVersion: []byte("v1"), Kind: []byte("Pod")}
	if !pod.Is(schema.GroupVersionKind{Version: "v1", Kind: "Pod"}) || pod.Is(schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}) ||
		pod.Is(schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Pod"}) {
		t.Error("wrong kind match for v1 Pod")
	}
	dep := Envelope{APIVersion: []byte("apps/v1"), Kind: []byte("Deployment")}
	if !dep.Is(schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}) ||
		dep.Is(schema.GroupVersionKind{Group: "app", Version: "sv1", Kind: "Deployment"}) ||
		dep.Is(schema.GroupVersionKind{Version: "v1", Kind: "Deployment"}) {
		t.Error("wrong group match for apps/v1 Deployment")
	}
}

// TestFields: every field in order, a stop when fn says so, and false for
// a field of another wire type or a truncated one.
func TestFields(t *testing.T) {
	msg := append(field(1, []byte("a")), field(7, []byte("bc"))...)
	var got []string
	if !Fields(msg, func(num protowire.Number, v []byte) bool {
		got = append(got, string(rune('0'+num))+string(v))
		return true
	}) || len(got) != 2 || got[0] != "1a" || got[1] != "7bc" {
		t.Fatalf("Fields saw %q", got)
	}
	calls := 0
	if Fields(msg, func(protowire.Number, []byte) bool { calls++; return false }) || calls != 1 {
		t.Fatalf("a stop: %d calls", calls)
	}
	if Fields(protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 1), func(protowire.Number, []byte) bool { return true }) {
		t.Fatal("a varint field read")
	}
	if Fields(msg[:len(msg)-1], func(protowire.Number, []byte) bool { return true }) {
		t.Fatal("a truncated field read")
	}
}
