package controller

import (
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"
)

// Events records a controller's events through a broadcaster of its own,
// as each upstream controller has, started by the first event rather than
// with the controller. A broadcaster holds queues of 1,000 events and two
// goroutines; most controllers of an idle server never record an event.
// Events is safe for concurrent use.
type Events struct {
	client kubernetes.Interface
	source corev1.EventSource

	mu     sync.Mutex
	b      record.EventBroadcaster
	rec    record.EventRecorder
	closed bool
}

var _ record.EventRecorder = (*Events)(nil)

// NewEvents returns the recorder of component's events, which it sends to
// client's Events API.
func NewEvents(client kubernetes.Interface, component string) *Events {
	return &Events{client: client, source: corev1.EventSource{Component: component}}
}

// recorder starts the broadcaster on first use; nil once Shutdown ran.
func (e *Events) recorder() record.EventRecorder {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	if e.rec == nil {
		e.b = record.NewBroadcaster()
		e.b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: e.client.CoreV1().Events("")})
		e.rec = e.b.NewRecorder(scheme.Scheme, e.source)
	}
	return e.rec
}

// started reports whether an event has started the broadcaster.
func (e *Events) started() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.b != nil
}

// Event records an event about object, as record.EventRecorder.
func (e *Events) Event(object runtime.Object, eventtype, reason, message string) {
	if r := e.recorder(); r != nil {
		r.Event(object, eventtype, reason, message)
	}
}

// Eventf is Event with a formatted message.
func (e *Events) Eventf(object runtime.Object, eventtype, reason, messageFmt string, args ...any) {
	if r := e.recorder(); r != nil {
		r.Eventf(object, eventtype, reason, messageFmt, args...)
	}
}

// AnnotatedEventf is Eventf with annotations on the event.
func (e *Events) AnnotatedEventf(object runtime.Object, annotations map[string]string, eventtype, reason, messageFmt string, args ...any) {
	if r := e.recorder(); r != nil {
		r.AnnotatedEventf(object, annotations, eventtype, reason, messageFmt, args...)
	}
}

// Shutdown stops the broadcaster if an event started it; events recorded
// after it are dropped.
func (e *Events) Shutdown() {
	e.mu.Lock()
	b := e.b
	e.closed = true
	e.mu.Unlock()
	if b != nil {
		b.Shutdown()
	}
}
