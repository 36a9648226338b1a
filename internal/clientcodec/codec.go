// Package clientcodec owns how Skiff's own client-go clients decode
// protobuf answers: the objects client-go's codecs would give, without
// first copying each message into the envelopes around it.
//
// client-go reads a watch frame as a metav1.WatchEvent, whose RawExtension
// copies the object's bytes out of the frame, and then reads those bytes
// as a runtime.Unknown, which copies them again, before it unmarshals the
// object. A list's body is copied once into its Unknown. The decoders
// here read both envelopes in place and unmarshal the object straight from
// the frame or body; the generated Unmarshal methods copy every string and
// byte field they keep, so no object points into the buffer afterwards.
// Anything else (JSON, a decode into runtime.Unknown, an envelope they do
// not expect) goes to client-go's own decoders, which also give the errors
// for malformed input.
//
// The clients of informers alone may go further (NewForCache): the Pods
// of their watch events are decoded as the caches keep them, their equal
// parts shared between pods (package dedup's DecodePod).
package clientcodec

import (
	"sync"

	"google.golang.org/protobuf/encoding/protowire"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"

	"github.com/skiff-dev/skiff/internal/protoenvelope"
)

// protobufType is the media type whose decoders Serializer replaces.
const protobufType = runtime.ContentTypeProtobuf

// Serializer is the negotiated serializer typed clients get from
// client-go (rest.CodecFactoryForGeneratedClient without conversion), with
// the protobuf object and watch-event decoders replaced by ones that do
// not copy.
type Serializer struct {
	runtime.NegotiatedSerializer
	types []runtime.SerializerInfo
}

// NewSerializer returns the Serializer over client-go's scheme.
func NewSerializer() *Serializer { return newSerializer(nil) }

// PodDecoder decodes a Pod's message as an informer cache keeps it
// (dedup.Sharer's DecodePod).
type PodDecoder interface {
	DecodePod(msg []byte) (*corev1.Pod, error)
}

// NewCacheSerializer is a Serializer for the clients of informers alone:
// the Pods it decodes on their own, as watch events bring them, come from
// pods, which may share their parts between pods and leave out what the
// caches drop. Its objects must never be changed, as a cache's.
func NewCacheSerializer(pods PodDecoder) *Serializer { return newSerializer(pods) }

func newSerializer(pods PodDecoder) *Serializer {
	base := rest.CodecFactoryForGeneratedClient(scheme.Scheme, scheme.Codecs).WithoutConversion()
	dec := newDecoder(scheme.Scheme)
	dec.pods = pods
	var types []runtime.SerializerInfo
	for _, info := range base.SupportedMediaTypes() {
		if info.MediaType == protobufType && info.Serializer != nil && info.StreamSerializer != nil {
			info.Serializer = objectDecoder{Serializer: info.Serializer, d: dec}
			stream := *info.StreamSerializer
			stream.Serializer = eventDecoder{Serializer: stream.Serializer}
			info.StreamSerializer = &stream
		}
		types = append(types, info)
	}
	return &Serializer{NegotiatedSerializer: base, types: types}
}

// SupportedMediaTypes is the base's list with the protobuf entry's
// decoders replaced.
func (s *Serializer) SupportedMediaTypes() []runtime.SerializerInfo { return s.types }

// decoder unmarshals an object from an envelope's bytes in place.
type decoder struct {
	scheme *runtime.Scheme
	mu     sync.RWMutex
	// kinds maps "apiVersion\x00kind" to its parsed group version kind.
	kinds map[string]schema.GroupVersionKind
	// pods, if set, decodes the Pods decoded on their own (not into a
	// given object): NewCacheSerializer.
	pods PodDecoder
}

var podKind = corev1.SchemeGroupVersion.WithKind("Pod")

func newDecoder(s *runtime.Scheme) *decoder {
	return &decoder{scheme: s, kinds: map[string]schema.GroupVersionKind{}}
}

// unmarshaler is what generated protobuf types implement.
type unmarshaler interface {
	Reset()
	Unmarshal([]byte) error
}

// decode returns the object in data (an envelope protoenvelope.Read
// reads), and false when the base decoder should take it: not such an
// envelope, a kind the scheme does not know, or a decode into
// runtime.Unknown or into a type the scheme does not know.
func (d *decoder) decode(data []byte, into runtime.Object) (runtime.Object, *schema.GroupVersionKind, bool, error) {
	env, ok := protoenvelope.Read(data)
	if !ok || len(env.APIVersion) == 0 || len(env.Kind) == 0 {
		return nil, nil, false, nil
	}
	gvk, ok := d.kind(env.APIVersion, env.Kind)
	if !ok {
		return nil, nil, false, nil
	}
	if into == nil && d.pods != nil && gvk == podKind {
		// On an error, the generated decoder below reads the bytes
		// again and gives its own.
		if p, err := d.pods.DecodePod(env.Raw); err == nil {
			p.SetGroupVersionKind(gvk)
			return p, &gvk, true, nil
		}
	}
	if into != nil {
		if _, isUnknown := into.(*runtime.Unknown); isUnknown {
			return nil, nil, false, nil
		}
		if _, _, err := d.scheme.ObjectKinds(into); err != nil {
			return nil, nil, false, nil
		}
	}
	obj, err := runtime.UseOrCreateObject(d.scheme, d.scheme, gvk, into)
	if err != nil {
		return nil, nil, false, nil
	}
	u, ok := obj.(unmarshaler)
	if !ok {
		return nil, nil, false, nil
	}
	u.Reset()
	if err := u.Unmarshal(env.Raw); err != nil {
		return nil, &gvk, true, err
	}
	obj.GetObjectKind().SetGroupVersionKind(gvk)
	return obj, &gvk, true, nil
}

// kind parses apiVersion and kind once per pair.
func (d *decoder) kind(apiVersion, kind []byte) (schema.GroupVersionKind, bool) {
	var buf [128]byte
	key := append(append(append(buf[:0], apiVersion...), 0), kind...)
	d.mu.RLock()
	gvk, ok := d.kinds[string(key)]
	d.mu.RUnlock()
	if ok {
		return gvk, true
	}
	gv, err := schema.ParseGroupVersion(string(apiVersion))
	if err != nil || gv.Version == "" {
		return schema.GroupVersionKind{}, false
	}
	gvk = gv.WithKind(string(kind))
	d.mu.Lock()
	if len(d.kinds) < 1024 {
		d.kinds[string(key)] = gvk
	}
	d.mu.Unlock()
	return gvk, true
}

// objectDecoder decodes objects (magic and runtime.Unknown) through
// decoder, and leaves everything else to the base serializer.
type objectDecoder struct {
	runtime.Serializer
	d *decoder
}

func (o objectDecoder) Decode(data []byte, defaults *schema.GroupVersionKind, into runtime.Object) (runtime.Object, *schema.GroupVersionKind, error) {
	if obj, gvk, ok, err := o.d.decode(data, into); ok {
		return obj, gvk, err
	}
	return o.Serializer.Decode(data, defaults, into)
}

// eventDecoder reads a watch frame into a metav1.WatchEvent whose object
// bytes point into the frame. client-go's watch decoder decodes them
// before it reads the next frame, which reuses the buffer.
type eventDecoder struct {
	runtime.Serializer
}

var watchEventKind = metav1.SchemeGroupVersion.WithKind("WatchEvent")

func (e eventDecoder) Decode(data []byte, defaults *schema.GroupVersionKind, into runtime.Object) (runtime.Object, *schema.GroupVersionKind, error) {
	ev, ok := into.(*metav1.WatchEvent)
	if !ok {
		return e.Serializer.Decode(data, defaults, into)
	}
	typ, raw, ok := readWatchEvent(data)
	if !ok {
		return e.Serializer.Decode(data, defaults, into)
	}
	ev.Type = eventType(typ)
	ev.Object = runtime.RawExtension{Raw: raw}
	gvk := watchEventKind
	return ev, &gvk, nil
}

// eventType returns the constant for the known event types, so that a
// frame's type costs no allocation.
func eventType(b []byte) string {
	for _, t := range [...]watch.EventType{watch.Added, watch.Modified, watch.Deleted, watch.Bookmark, watch.Error} {
		if string(b) == string(t) {
			return string(t)
		}
	}
	return string(b)
}

// readWatchEvent returns a metav1.WatchEvent's type and its object's raw
// bytes, pointing into b.
func readWatchEvent(b []byte) (typ, raw []byte, ok bool) {
	ok = protoenvelope.Fields(b, func(num protowire.Number, v []byte) bool {
		switch num {
		case 1:
			typ = v
		case 2: // object, a RawExtension
			return protoenvelope.Fields(v, func(num protowire.Number, v []byte) bool {
				if num == 1 {
					raw = v
				}
				return true
			})
		}
		return true
	})
	return typ, raw, ok
}
