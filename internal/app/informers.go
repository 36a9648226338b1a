package app

import (
	"context"
	"reflect"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	clientscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff-dev/skiff/internal/controller"
)

// processInformers is the one informer factory of the server process: the
// controllers, the scheduler and the authenticators' token checks read the
// same cached objects, so every Pod, Node or Secret is held once, not
// once per component. Components use it as any factory; Start runs the
// informers until the server stops, whatever channel the caller passes, and
// Shutdown is left to the server, so a component that stops (a scheduler
// losing its lease) cannot stop informers the others still read.
type processInformers struct {
	informers.SharedInformerFactory
	ctx context.Context
	// fan lets the controllers share one registration per informer.
	fan *controller.Fanouts
}

var _ informers.SharedInformerFactory = processInformers{}

// newProcessInformers makes the factory; managedFields are stripped from
// every cached object (no in-process reader needs them) and pods share
// their equal parts (controller.NewCacheTransform). stop ends the
// informers and waits for them.
func newProcessInformers(ctx context.Context, loopback *rest.Config) (processInformers, func(), error) {
	cs, err := kubernetes.NewForConfig(loopback)
	if err != nil {
		return processInformers{}, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	f := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithTransform(controller.NewCacheTransform()))
	return processInformers{SharedInformerFactory: f, ctx: ctx, fan: controller.NewFanouts()}, func() {
		cancel()
		f.Shutdown()
	}, nil
}

// Start and StartWithContext start the informers requested so far, for
// the life of the process. They run with a context, not a channel: every
// request context derived from a channel's would cost a goroutine.
func (p processInformers) Start(<-chan struct{}) { p.SharedInformerFactory.StartWithContext(p.ctx) }

// StartWithContext is Start.
func (p processInformers) StartWithContext(context.Context) {
	p.SharedInformerFactory.StartWithContext(p.ctx)
}

// AddHandler registers a controller's handler through the informer's
// fan-out (controller.Fanouts).
func (p processInformers) AddHandler(inf cache.SharedInformer, h cache.ResourceEventHandler) (cache.ResourceEventHandlerRegistration, error) {
	return p.fan.Add(inf, h)
}

var _ controller.HandlerAdder = processInformers{}

// Shutdown does nothing: the server shuts the factory down last.
func (p processInformers) Shutdown() {}

// Running returns the factory's informer of the resource whose objects are
// of kind gvk when a component has started one, and false otherwise. It
// never adds an informer: asking for one nobody started would leave it in
// the factory for the next Start.
func (p processInformers) Running(gvk schema.GroupVersionKind) (cache.SharedIndexInformer, bool) {
	obj, err := clientscheme.Scheme.New(gvk)
	if err != nil {
		return nil, false
	}
	// With a done context this only lists the started informers.
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if _, started := p.WaitForCacheSyncWithContext(done).Synced[reflect.TypeOf(obj)]; !started {
		return nil, false
	}
	// The factory keys its informers by object type and returns the
	// existing one; newFunc is never called for a started type.
	inf := p.InformerFor(obj, func(kubernetes.Interface, time.Duration) cache.SharedIndexInformer {
		panic("processInformers.Running: informer vanished from the factory")
	})
	return inf, true
}
