package controller

import (
	"sync"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
)

// Fanouts lets the controllers of one process share a single event handler
// registration per informer.
//
// client-go gives every registration a listener of its own: a 1,024-slot
// buffer and two goroutines, woken for every event. The pods informer of a
// server has a dozen controllers' handlers on it, and each pod event woke
// two dozen goroutines that each called one handler. A fan-out is one
// registration that calls its handlers in turn instead.
//
// That is only the same as separate registrations for handlers that were
// there from the first event on, and that return at once (the controllers'
// handlers only enqueue keys): a handler added after the fan-out has
// delivered an event gets a registration of its own, which client-go starts
// with the informer's current objects. Fanouts is safe for concurrent use.
type Fanouts struct {
	mu sync.Mutex
	// out is keyed by the informer's store: client-go hands out a new
	// typed wrapper of the same informer on every Informer() call.
	out map[cache.Store]*fanout
}

// NewFanouts returns an empty set of fan-outs.
func NewFanouts() *Fanouts {
	return &Fanouts{out: map[cache.Store]*fanout{}}
}

// Add registers h on inf through inf's fan-out. The registration it
// returns may be shared with other handlers: wait on its HasSynced, but do
// not remove it.
func (f *Fanouts) Add(inf cache.SharedInformer, h cache.ResourceEventHandler) (cache.ResourceEventHandlerRegistration, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := inf.GetStore()
	out := f.out[key]
	if out == nil {
		out = &fanout{}
		reg, err := inf.AddEventHandler(out)
		if err != nil {
			return nil, err
		}
		out.reg = reg
		f.out[key] = out
	}
	if out.join(h) {
		return out.reg, nil
	}
	return inf.AddEventHandler(h)
}

// HandlerAdder is what a process's informer factory implements when its
// controllers share registrations (Fanouts).
type HandlerAdder interface {
	AddHandler(inf cache.SharedInformer, h cache.ResourceEventHandler) (cache.ResourceEventHandlerRegistration, error)
}

// AddHandler registers h on inf, an informer of factory: through the
// factory's fan-out when it has one (HandlerAdder), else on its own. The
// registration may be shared: do not remove it.
func AddHandler(factory informers.SharedInformerFactory, inf cache.SharedInformer, h cache.ResourceEventHandler) (cache.ResourceEventHandlerRegistration, error) {
	if a, ok := factory.(HandlerAdder); ok {
		return a.AddHandler(inf, h)
	}
	return inf.AddEventHandler(h)
}

// fanout is one informer's shared registration and its handlers.
type fanout struct {
	reg cache.ResourceEventHandlerRegistration

	mu       sync.Mutex
	handlers []cache.ResourceEventHandler
	// sealed is set by the first event: from then on handlers is fixed.
	sealed bool
}

// join adds h unless an event has been delivered already.
func (f *fanout) join(h cache.ResourceEventHandler) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sealed {
		return false
	}
	f.handlers = append(f.handlers, h)
	return true
}

func (f *fanout) seal() []cache.ResourceEventHandler {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sealed = true
	return f.handlers
}

func (f *fanout) OnAdd(obj any, isInInitialList bool) {
	for _, h := range f.seal() {
		h.OnAdd(obj, isInInitialList)
	}
}

func (f *fanout) OnUpdate(oldObj, newObj any) {
	for _, h := range f.seal() {
		h.OnUpdate(oldObj, newObj)
	}
}

func (f *fanout) OnDelete(obj any) {
	for _, h := range f.seal() {
		h.OnDelete(obj)
	}
}
