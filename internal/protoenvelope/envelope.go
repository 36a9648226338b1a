// Package protoenvelope owns the Kubernetes protobuf envelope read in
// place: the four magic bytes every protobuf-encoded object starts with,
// the runtime.Unknown after them (TypeMeta, the object's message), and
// the walk over length-delimited fields it and TypeMeta are read with.
// Reading in place means the object's bytes are a part of the input,
// where runtime.Unknown.Unmarshal copies them; the API server's storage
// and Skiff's clients read every object this way.
package protoenvelope

import (
	"bytes"

	"google.golang.org/protobuf/encoding/protowire"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Magic starts every protobuf-encoded Kubernetes object ("k8s\x00").
var Magic = []byte{0x6b, 0x38, 0x73, 0x00}

// Field numbers of runtime.Unknown and of its TypeMeta.
const (
	FieldUnknownTypeMeta        protowire.Number = 1
	FieldUnknownRaw             protowire.Number = 2
	FieldUnknownContentEncoding protowire.Number = 3
	FieldUnknownContentType     protowire.Number = 4
	FieldTypeMetaAPIVersion     protowire.Number = 1
	FieldTypeMetaKind           protowire.Number = 2
)

// Envelope is a runtime.Unknown read in place: each field is a part of
// the bytes it was read from.
type Envelope struct {
	APIVersion, Kind []byte
	// Raw is the object's message.
	Raw []byte
}

// Read reads b as Magic and an envelope with no content encoding. A field
// given twice takes its last value, as Unknown.Unmarshal does. ok is false
// for anything else, malformed bytes included; callers then take the
// protobuf serializer's path, which gives the exact error.
func Read(b []byte) (env Envelope, ok bool) {
	if !bytes.HasPrefix(b, Magic) {
		return Envelope{}, false
	}
	encoded := false
	ok = Fields(b[len(Magic):], func(num protowire.Number, v []byte) bool {
		switch num {
		case FieldUnknownTypeMeta:
			return Fields(v, func(num protowire.Number, v []byte) bool {
				switch num {
				case FieldTypeMetaAPIVersion:
					env.APIVersion = v
				case FieldTypeMetaKind:
					env.Kind = v
				}
				return true
			})
		case FieldUnknownRaw:
			env.Raw = v
		case FieldUnknownContentEncoding:
			encoded = len(v) > 0
		}
		return true
	})
	return env, ok && !encoded
}

// Is reports whether the envelope's type is gvk.
func (env Envelope) Is(gvk schema.GroupVersionKind) bool {
	av, g, v := env.APIVersion, gvk.Group, gvk.Version
	if string(env.Kind) != gvk.Kind {
		return false
	}
	if g == "" {
		return string(av) == v
	}
	return len(av) == len(g)+1+len(v) && string(av[:len(g)]) == g && av[len(g)] == '/' && string(av[len(g)+1:]) == v
}

// Fields calls fn with the number and value of each field of msg, which
// must all be length-delimited, as every field of the envelope, of
// TypeMeta and of a watch event is. It stops when fn returns false, and
// is false then or when msg is malformed or holds a field of another wire
// type (the generated decoders tell those apart, so such a message is
// theirs to read).
func Fields(msg []byte, fn func(num protowire.Number, v []byte) bool) bool {
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 || typ != protowire.BytesType {
			return false
		}
		msg = msg[n:]
		v, n := protowire.ConsumeBytes(msg)
		if n < 0 || !fn(num, v) {
			return false
		}
		msg = msg[n:]
	}
	return true
}
