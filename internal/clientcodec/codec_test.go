package clientcodec

import (
	"bytes"
	"io"
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/streaming"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	restwatch "k8s.io/client-go/rest/watch"

	"github.com/skiff-dev/skiff/internal/controller/dedup"
	"github.com/skiff-dev/skiff/internal/protoenvelope"
)

// samplePod has a field of most kinds the generated decoders copy:
// strings, maps, quantities, times, raw field sets, nested lists.
func samplePod(name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: "ns", UID: "u-1", ResourceVersion: "42",
			Labels:            map[string]string{"app": "web"},
			Annotations:       map[string]string{"note": "x"},
			CreationTimestamp: metav1.Unix(1700000000, 0),
			ManagedFields: []metav1.ManagedFieldsEntry{{
				Manager: "bench", Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1",
				FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:spec":{}}`)},
			}},
		},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name: "c", Image: "nginx", Args: []string{"-v"},
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")},
					Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
				},
			}},
			Volumes: []corev1.Volume{{Name: "v", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
		},
		Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
			Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable", Message: "no nodes",
		}}},
	}
}

func sampleObjects() []runtime.Object {
	return []runtime.Object{
		samplePod("p"),
		&corev1.PodList{ListMeta: metav1.ListMeta{ResourceVersion: "7", Continue: "c"}, Items: []corev1.Pod{*samplePod("a"), *samplePod("b")}},
		&metav1.Status{Status: metav1.StatusFailure, Code: 410, Reason: metav1.StatusReasonExpired, Message: "too old"},
		&corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "e", Namespace: "ns"}, Reason: "FailedScheduling", Count: 3},
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "d"}, Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		}},
	}
}

// encode is what a server sends: magic, then a runtime.Unknown.
func encode(t testing.TB, obj runtime.Object) []byte {
	t.Helper()
	info, ok := runtime.SerializerInfoForMediaType(scheme.Codecs.SupportedMediaTypes(), protobufType)
	if !ok {
		t.Fatal("no protobuf serializer")
	}
	gvks, _, err := scheme.Scheme.ObjectKinds(obj)
	if err != nil {
		t.Fatal(err)
	}
	data, err := runtime.Encode(scheme.Codecs.EncoderForVersion(info.Serializer, gvks[0].GroupVersion()), obj)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func baseSerializer() runtime.NegotiatedSerializer {
	return rest.CodecFactoryForGeneratedClient(scheme.Scheme, scheme.Codecs).WithoutConversion()
}

// decoders returns client-go's object decoder and this package's, as a
// client's negotiator hands them out.
func decoders(t testing.TB) (base, ours runtime.Decoder) {
	t.Helper()
	gv := corev1.SchemeGroupVersion
	base, err := runtime.NewClientNegotiator(baseSerializer(), gv).Decoder(protobufType, nil)
	if err != nil {
		t.Fatal(err)
	}
	ours, err = runtime.NewClientNegotiator(NewSerializer(), gv).Decoder(protobufType, nil)
	if err != nil {
		t.Fatal(err)
	}
	return base, ours
}

// TestDecodeMatchesClientGo: every sample decodes to what client-go's
// decoder gives, into nothing, into a new object of its kind and into one
// of another kind; the object keeps nothing of the buffer it came from.
func TestDecodeMatchesClientGo(t *testing.T) {
	base, ours := decoders(t)
	for _, obj := range sampleObjects() {
		data := encode(t, obj)
		kinds, _, _ := scheme.Scheme.ObjectKinds(obj)
		for _, into := range []func() runtime.Object{
			func() runtime.Object { return nil },
			func() runtime.Object { o, _ := scheme.Scheme.New(kinds[0]); return o },
			func() runtime.Object { return &corev1.Service{} },
		} {
			want, wantKind, wantErr := base.Decode(bytes.Clone(data), nil, into())
			buf := bytes.Clone(data)
			got, gotKind, err := ours.Decode(buf, nil, into())
			if (err == nil) != (wantErr == nil) {
				t.Fatalf("%T: error %v, client-go %v", obj, err, wantErr)
			}
			for i := range buf {
				buf[i] = 0xff
			}
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotKind, wantKind) {
				t.Fatalf("%T into %T:\n got %#v (%v)\nwant %#v (%v)", obj, into(), got, gotKind, want, wantKind)
			}
		}
	}
}

// TestDecodeIntoUnknown: a decode into runtime.Unknown is client-go's.
func TestDecodeIntoUnknown(t *testing.T) {
	base, ours := decoders(t)
	data := encode(t, samplePod("p"))
	var want, got runtime.Unknown
	if _, _, err := base.Decode(data, nil, &want); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ours.Decode(data, nil, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) || len(got.Raw) == 0 {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

// TestDecodeBadInput: truncated, empty, JSON, a wrong wire type, an
// unknown kind and a missing version are errors (or not) exactly as for
// client-go's decoder, with the same objects where both succeed.
func TestDecodeBadInput(t *testing.T) {
	base, ours := decoders(t)
	pod := encode(t, samplePod("p"))
	var inputs [][]byte
	for i := 0; i < len(pod); i++ {
		inputs = append(inputs, pod[:i])
	}
	inputs = append(inputs,
		[]byte(`{"kind":"Pod","apiVersion":"v1","metadata":{"name":"j"}}`),
		append(bytes.Clone(protoenvelope.Magic), 0x08, 0x01),                                   // field 1 as a varint
		append(bytes.Clone(protoenvelope.Magic), 0x0a, 0x06, 0x0a, 0x02, 'v', '1', 0x12, 0x00), // no kind
		append(bytes.Clone(protoenvelope.Magic), 0x0a, 0x07, 0x0a, 0x02, 'v', '9', 0x12, 0x01, 'X'),
		append(bytes.Clone(protoenvelope.Magic), 0x0a, 0x05, 0x12, 0x03, 'P', 'o', 'd'), // no version
		append(bytes.Clone(pod), 0x28, 0x01),                                            // a trailing varint field
		append(bytes.Clone(pod), 0x10, 0x01),                                            // raw again, as a varint
	)
	for i, in := range inputs {
		want, _, wantErr := base.Decode(bytes.Clone(in), nil, nil)
		got, _, err := ours.Decode(bytes.Clone(in), nil, nil)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("input %d (%q): error %v, client-go %v", i, in, err, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("input %d: got %#v, want %#v", i, got, want)
		}
	}
}

// FuzzDecode: for any bytes, this decoder fails when client-go's does and
// otherwise gives the same object.
func FuzzDecode(f *testing.F) {
	for _, obj := range sampleObjects() {
		f.Add(encode(f, obj))
	}
	f.Add(append(bytes.Clone(protoenvelope.Magic), 0x0a, 0x07, 0x0a, 0x02, 'v', '1', 0x12, 0x01, 'X'))
	base, ours := decoders(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		want, _, wantErr := base.Decode(bytes.Clone(data), nil, nil)
		got, _, err := ours.Decode(bytes.Clone(data), nil, nil)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("error %v, client-go %v", err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("got %#v, want %#v", got, want)
		}
	})
}

type event struct {
	typ watch.EventType
	obj runtime.Object
}

// watchStream frames events as a server's protobuf watch does.
func watchStream(t testing.TB, events []event) []byte {
	t.Helper()
	info, _ := runtime.SerializerInfoForMediaType(scheme.Codecs.SupportedMediaTypes(), protobufType)
	var out bytes.Buffer
	w := info.StreamSerializer.Framer.NewFrameWriter(&out)
	for _, e := range events {
		ev := &metav1.WatchEvent{Type: string(e.typ), Object: runtime.RawExtension{Raw: encode(t, e.obj)}}
		if err := info.StreamSerializer.Serializer.Encode(ev, w); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}

// readWatch decodes a protobuf watch stream the way client-go's
// Request.Watch does, with s's stream decoders.
func readWatch(t testing.TB, s runtime.NegotiatedSerializer, stream []byte) []event {
	t.Helper()
	objDec, streamDec, framer, err := runtime.NewClientNegotiator(s, corev1.SchemeGroupVersion).StreamDecoder(protobufType, map[string]string{"stream": "watch"})
	if err != nil {
		t.Fatal(err)
	}
	d := restwatch.NewDecoder(streaming.NewDecoder(framer.NewFrameReader(io.NopCloser(bytes.NewReader(stream))), streamDec), objDec)
	var got []event
	for {
		typ, obj, err := d.Decode()
		if err == io.EOF {
			return got
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, event{typ, obj})
	}
}

// TestWatchMatchesClientGo: a watch stream of every event type decodes to
// client-go's events, objects and all, though frames share one buffer.
func TestWatchMatchesClientGo(t *testing.T) {
	modified := samplePod("p")
	modified.Status.Phase = corev1.PodRunning
	modified.Spec.Containers = append(modified.Spec.Containers, corev1.Container{Name: "second", Image: "busybox"})
	bookmark := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{ResourceVersion: "99",
		Annotations: map[string]string{metav1.InitialEventsAnnotationKey: "true"}}}
	stream := watchStream(t, []event{
		{watch.Added, samplePod("p")},
		{watch.Modified, modified},
		{watch.Added, samplePod("q")},
		{watch.Bookmark, bookmark},
		{watch.Deleted, modified},
		{watch.Error, &metav1.Status{Status: metav1.StatusFailure, Code: 410, Reason: metav1.StatusReasonExpired}},
	})
	want := readWatch(t, baseSerializer(), stream)
	got := readWatch(t, NewSerializer(), stream)
	if len(want) != 6 || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %d events %#v\nwant %d %#v", len(got), got, len(want), want)
	}
	if got[0].obj.(*corev1.Pod).Name != "p" || got[1].obj.(*corev1.Pod).Status.Phase != corev1.PodRunning {
		t.Fatalf("events out of order or overwritten: %#v", got)
	}
}

// TestWatchAllocatesLess: a pod's watch event costs fewer allocations
// than through client-go's decoders (which copy the pod into the event's
// RawExtension and again into a runtime.Unknown).
func TestWatchAllocatesLess(t *testing.T) {
	stream := watchStream(t, []event{{watch.Modified, samplePod("p")}})
	allocs := func(s runtime.NegotiatedSerializer) float64 {
		objDec, streamDec, framer, err := runtime.NewClientNegotiator(s, corev1.SchemeGroupVersion).StreamDecoder(protobufType, nil)
		if err != nil {
			t.Fatal(err)
		}
		return testing.AllocsPerRun(200, func() {
			d := restwatch.NewDecoder(streaming.NewDecoder(framer.NewFrameReader(io.NopCloser(bytes.NewReader(stream))), streamDec), objDec)
			if _, _, err := d.Decode(); err != nil {
				t.Fatal(err)
			}
		})
	}
	base, ours := allocs(baseSerializer()), allocs(NewSerializer())
	if ours > base-3 {
		t.Fatalf("a watch event took %.0f allocations, client-go's decoders %.0f", ours, base)
	}
}

// TestKindCache: a parsed group version kind is remembered, and a bad
// apiVersion is not a kind.
func TestKindCache(t *testing.T) {
	d := newDecoder(scheme.Scheme)
	gvk, ok := d.kind([]byte("apps/v1"), []byte("Deployment"))
	if !ok || gvk != (schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}) {
		t.Fatalf("got %v %v", gvk, ok)
	}
	if n := testing.AllocsPerRun(100, func() { d.kind([]byte("apps/v1"), []byte("Deployment")) }); n != 0 {
		t.Fatalf("a known kind took %.0f allocations", n)
	}
	if _, ok := d.kind([]byte("a/b/c"), []byte("X")); ok {
		t.Fatal("a/b/c parsed")
	}
}

// failingPods refuses every pod, as DecodePod refuses what it cannot
// read in place.
type failingPods struct{}

func (failingPods) DecodePod([]byte) (*corev1.Pod, error) { return nil, io.ErrUnexpectedEOF }

// TestCacheSerializerWatch: through NewCacheSerializer, a watch's pods
// are client-go's less their managed fields, the pods of one spec share
// its parts, and the other events are client-go's. When the pod decoder
// refuses a pod, the generated decoder reads it.
func TestCacheSerializerWatch(t *testing.T) {
	bookmark := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{ResourceVersion: "99",
		Annotations: map[string]string{metav1.InitialEventsAnnotationKey: "true"}}}
	stream := watchStream(t, []event{
		{watch.Added, samplePod("p")},
		{watch.Added, samplePod("q")},
		{watch.Bookmark, bookmark},
		{watch.Error, &metav1.Status{Status: metav1.StatusFailure, Code: 410, Reason: metav1.StatusReasonExpired}},
	})
	want := readWatch(t, baseSerializer(), stream)
	for _, e := range want {
		if p, ok := e.obj.(*corev1.Pod); ok {
			p.ManagedFields = nil
		}
	}
	got := readWatch(t, NewCacheSerializer(dedup.New()), stream)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
	p, q := got[0].obj.(*corev1.Pod), got[1].obj.(*corev1.Pod)
	if r, rq := p.Spec.Containers[0].Resources.Requests, q.Spec.Containers[0].Resources.Requests; reflect.ValueOf(r).UnsafePointer() != reflect.ValueOf(rq).UnsafePointer() {
		t.Error("two pods of one spec do not share their containers' requests")
	}
	refused := readWatch(t, NewCacheSerializer(failingPods{}), stream)
	if full := readWatch(t, baseSerializer(), stream); !reflect.DeepEqual(refused, full) {
		t.Fatalf("with the pod decoder refusing:\n got %#v\nwant %#v", refused, full)
	}
}

// TestCacheSerializerIntoObject: a decode into a given object (a Get's,
// a list's) is the plain one, managed fields and all.
func TestCacheSerializerIntoObject(t *testing.T) {
	gv := corev1.SchemeGroupVersion
	ours, err := runtime.NewClientNegotiator(NewCacheSerializer(dedup.New()), gv).Decoder(protobufType, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range []runtime.Object{samplePod("p"), &corev1.PodList{Items: []corev1.Pod{*samplePod("a")}}} {
		kinds, _, _ := scheme.Scheme.ObjectKinds(obj)
		into, _ := scheme.Scheme.New(kinds[0])
		got, _, err := ours.Decode(encode(t, obj), nil, into)
		if err != nil {
			t.Fatal(err)
		}
		got.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
		if !reflect.DeepEqual(got, obj) {
			t.Fatalf("%T:\n got %#v\nwant %#v", obj, got, obj)
		}
	}
}
