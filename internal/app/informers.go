package app

import (
	"context"
	"reflect"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	clientscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff-dev/skiff/internal/clientcodec"
	"github.com/skiff-dev/skiff/internal/controller"
	"github.com/skiff-dev/skiff/internal/controller/dedup"
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
	// meta holds the metadata-only informers components asked for.
	meta *metadataInformers
}

// metadataInformers are the process's informers of objects' metadata
// (PartialObjectMetadata), for components that only need to know which
// objects exist and when they change: the quota controller's ConfigMaps,
// which it counts through the metadata API. The garbage collector shares
// them (processInformers.Running). kinds maps each one's kind to its
// resource.
type metadataInformers struct {
	factory metadatainformer.SharedInformerFactory
	mu      sync.Mutex
	kinds   map[schema.GroupVersionKind]schema.GroupVersionResource
}

var _ informers.SharedInformerFactory = processInformers{}

// newProcessInformers makes the factory; managedFields are stripped from
// every cached object (no in-process reader needs them) and pods share
// their equal parts (controller.NewCacheTransformWith, and for watch
// events already as they are decoded: clientcodec.NewForCache). stop ends
// the informers and waits for them.
func newProcessInformers(ctx context.Context, loopback *rest.Config) (processInformers, func(), error) {
	share := dedup.New()
	cs, err := clientcodec.NewForCache(loopback, share)
	if err != nil {
		return processInformers{}, nil, err
	}
	md, err := metadata.NewForConfig(loopback)
	if err != nil {
		return processInformers{}, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	f := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithTransform(controller.NewCacheTransformWith(share)))
	mf := metadatainformer.NewSharedInformerFactoryWithOptions(md, 0, metadatainformer.WithTransform(controller.StripManagedFields))
	meta := &metadataInformers{factory: mf, kinds: map[schema.GroupVersionKind]schema.GroupVersionResource{}}
	return processInformers{SharedInformerFactory: f, ctx: ctx, fan: controller.NewFanouts(), meta: meta}, func() {
		cancel()
		f.Shutdown()
		mf.Shutdown()
	}, nil
}

// Metadata returns the process's metadata-only informer of gvr, whose
// objects are of kind gvk. Start starts it with the others.
func (p processInformers) Metadata(gvr schema.GroupVersionResource, gvk schema.GroupVersionKind) cache.SharedIndexInformer {
	p.meta.mu.Lock()
	p.meta.kinds[gvk] = gvr
	p.meta.mu.Unlock()
	return p.meta.factory.ForResource(gvr).Informer()
}

// Start and StartWithContext start the informers requested so far, for
// the life of the process. They run with a context, not a channel: every
// request context derived from a channel's would cost a goroutine.
func (p processInformers) Start(<-chan struct{}) { p.StartWithContext(p.ctx) }

// StartWithContext is Start.
func (p processInformers) StartWithContext(context.Context) {
	p.SharedInformerFactory.StartWithContext(p.ctx)
	// The metadata factory's interface has only Start(stopCh), whose
	// channel would cost a goroutine per watch request (see
	// garbagecollector's startFactory); its implementation has this.
	if f, ok := p.meta.factory.(interface{ StartWithContext(context.Context) }); ok {
		f.StartWithContext(p.ctx)
	} else {
		p.meta.factory.Start(p.ctx.Done())
	}
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
// of kind gvk when a component has started one; else the metadata-only
// informer of that kind (Metadata) once started; and false otherwise. It
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
		return p.runningMetadata(gvk, done.Done())
	}
	// The factory keys its informers by object type and returns the
	// existing one; newFunc is never called for a started type.
	inf := p.InformerFor(obj, func(kubernetes.Interface, time.Duration) cache.SharedIndexInformer {
		panic("processInformers.Running: informer vanished from the factory")
	})
	return inf, true
}

// runningMetadata returns the started metadata-only informer of the kind
// gvk, if a component asked for one (Metadata). done is closed.
func (p processInformers) runningMetadata(gvk schema.GroupVersionKind, done <-chan struct{}) (cache.SharedIndexInformer, bool) {
	p.meta.mu.Lock()
	gvr, ok := p.meta.kinds[gvk]
	p.meta.mu.Unlock()
	if !ok {
		return nil, false
	}
	if _, started := p.meta.factory.WaitForCacheSync(done)[gvr]; !started {
		return nil, false
	}
	return p.meta.factory.ForResource(gvr).Informer(), true
}
