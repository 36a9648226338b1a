package garbagecollector

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"

	"github.com/skiff-dev/skiff/internal/controller"
	"k8s.io/client-go/tools/cache"
)

// ignored are resources the collector does not watch, as upstream.
var ignored = map[schema.GroupResource]bool{
	{Resource: "events"}:                         true,
	{Group: "events.k8s.io", Resource: "events"}: true,
}

// mapping is where objects of one kind live.
type mapping struct {
	gvr        schema.GroupVersionResource
	namespaced bool
}

// watcher keeps one informer per watched resource (one the process already
// runs, else a metadata informer of its own) and maps kinds to resources
// for owner look-ups.
type watcher struct {
	disc    discovery.DiscoveryInterface
	factory metadatainformer.SharedInformerFactory
	running func(schema.GroupVersionKind) (cache.SharedIndexInformer, bool) // may be nil
	gc      *GarbageCollector
	log     *slog.Logger

	mu        sync.Mutex
	informers map[schema.GroupVersionResource]cache.SharedIndexInformer
	// handlers are the collector's registrations, synced once their
	// informer's first list has reached the graph.
	handlers map[schema.GroupVersionResource]cache.ResourceEventHandlerRegistration
	// shared are the handlers added to the process's informers, which
	// outlive the collector: shutdown removes them.
	shared  map[cache.SharedIndexInformer]cache.ResourceEventHandlerRegistration
	kinds   map[schema.GroupVersionKind]mapping
	started bool
	// ctx ends the collector's own informers (cancel, at shutdown).
	ctx    context.Context
	cancel context.CancelFunc
}

func newWatcher(md metadata.Interface, running func(schema.GroupVersionKind) (cache.SharedIndexInformer, bool), disc discovery.DiscoveryInterface, gc *GarbageCollector, log *slog.Logger) *watcher {
	ctx, cancel := context.WithCancel(context.Background())
	return &watcher{
		disc: disc, factory: metadatainformer.NewSharedInformerFactoryWithOptions(md, 0, metadatainformer.WithTransform(controller.StripManagedFields)),
		running: running, gc: gc, log: log,
		informers: map[schema.GroupVersionResource]cache.SharedIndexInformer{},
		handlers:  map[schema.GroupVersionResource]cache.ResourceEventHandlerRegistration{},
		shared:    map[cache.SharedIndexInformer]cache.ResourceEventHandlerRegistration{},
		kinds:     map[schema.GroupVersionKind]mapping{},
		ctx:       ctx, cancel: cancel,
	}
}

// watchable returns the resources of lists to watch and every kind's
// mapping (of all versions, for owner look-ups).
func watchable(lists []*metav1.APIResourceList) (watch []schema.GroupVersionResource, kinds map[schema.GroupVersionKind]mapping) {
	kinds = map[schema.GroupVersionKind]mapping{}
	for _, l := range lists {
		if l == nil {
			continue
		}
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			if strings.Contains(r.Name, "/") {
				continue
			}
			gvr := gv.WithResource(r.Name)
			kinds[gv.WithKind(r.Kind)] = mapping{gvr: gvr, namespaced: r.Namespaced}
			if ignored[gvr.GroupResource()] {
				continue
			}
			if slices.Contains(r.Verbs, "list") && slices.Contains(r.Verbs, "watch") && slices.Contains(r.Verbs, "delete") {
				watch = append(watch, gvr)
			}
		}
	}
	return watch, kinds
}

// sync reads discovery and starts informers for resources not yet watched.
// A partial discovery failure still watches what was found.
func (w *watcher) sync(ctx context.Context) error {
	preferred, perr := w.disc.ServerPreferredResources()
	_, all, aerr := w.disc.ServerGroupsAndResources()
	watch, preferredKinds := watchable(preferred)
	_, kinds := watchable(all)
	kindOf := make(map[schema.GroupVersionResource]schema.GroupVersionKind, len(preferredKinds))
	for gvk, m := range preferredKinds {
		kindOf[m.gvr] = gvk
	}
	w.mu.Lock()
	for gvk, m := range kinds {
		w.kinds[gvk] = m
	}
	for _, gvr := range watch {
		if _, ok := w.informers[gvr]; ok {
			continue
		}
		inf, shared := w.informerFor(kindOf[gvr], gvr)
		reg, err := inf.AddEventHandler(w.handler(gvr))
		if err != nil {
			// The shared informer has stopped: the process is ending.
			w.log.Warn("garbage collector cannot watch", "resource", gvr.String(), "err", err)
			continue
		}
		if shared {
			w.shared[inf] = reg
		}
		w.informers[gvr], w.handlers[gvr] = inf, reg
	}
	w.started = true
	w.mu.Unlock()
	startFactory(w.ctx, w.factory)
	if perr != nil {
		return perr
	}
	return aerr
}

// informerFor is the informer gvr (of kind gvk) is watched through: one
// the process runs (shared is true), else a metadata informer of its own.
func (w *watcher) informerFor(gvk schema.GroupVersionKind, gvr schema.GroupVersionResource) (inf cache.SharedIndexInformer, shared bool) {
	if w.running != nil {
		if inf, ok := w.running(gvk); ok {
			return inf, true
		}
	}
	return w.factory.ForResource(gvr).Informer(), false
}

func (w *watcher) shutdown() {
	w.cancel()
	w.mu.Lock()
	for inf, reg := range w.shared {
		_ = inf.RemoveEventHandler(reg)
	}
	w.mu.Unlock()
	w.factory.Shutdown()
}

// hasSynced reports whether every informer started so far has synced and
// handed its objects to the graph (a shared informer may have synced long
// before the collector's handler was added).
func (w *watcher) hasSynced() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.started {
		return false
	}
	for _, reg := range w.handlers {
		if !reg.HasSynced() {
			return false
		}
	}
	return true
}

// resourceFor maps an owner reference's apiVersion and kind to its
// resource; a kind served under another version of the group will do.
func (w *watcher) resourceFor(apiVersion, kind string) (schema.GroupVersionResource, bool, error) {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return schema.GroupVersionResource{}, false, fmt.Errorf("owner apiVersion %q: %w", apiVersion, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if m, ok := w.kinds[gv.WithKind(kind)]; ok {
		return m.gvr, m.namespaced, nil
	}
	for gvk, m := range w.kinds {
		if gvk.Group == gv.Group && gvk.Kind == kind {
			return m.gvr, m.namespaced, nil
		}
	}
	return schema.GroupVersionResource{}, false, fmt.Errorf("owner kind %s in %s is not served", kind, apiVersion)
}

// nodeOf turns an object's metadata into a graph node.
func nodeOf(gvr schema.GroupVersionResource, m metav1.Object) node {
	return node{
		gvr: gvr, namespace: m.GetNamespace(), name: m.GetName(), uid: m.GetUID(), rv: m.GetResourceVersion(),
		owners: m.GetOwnerReferences(), finalizers: m.GetFinalizers(), deleting: m.GetDeletionTimestamp() != nil,
	}
}

// handler feeds the graph from one resource's informer and enqueues the
// UIDs whose decision may have changed.
func (w *watcher) handler(gvr schema.GroupVersionResource) cache.ResourceEventHandler {
	upsert := func(obj any) {
		m, err := meta.Accessor(obj)
		if err != nil {
			return
		}
		n := nodeOf(gvr, m)
		old, existed := w.gc.graph.upsert(n)
		lifecycle := !existed || old.deleting != n.deleting
		finalizersChanged := lifecycle || !slices.Equal(old.finalizers, n.finalizers)
		ownersChanged := lifecycle || !equalOwners(old.owners, n.owners)
		// An update that changes none of what the collector judges (most
		// are status writes) leaves its decision as it was: the owners'
		// own events enqueue their dependents when they go.
		if (finalizersChanged || ownersChanged) && (len(n.owners) > 0 || n.deleting) {
			w.gc.enqueue(n.uid)
		}
		if finalizersChanged {
			w.enqueueAll(w.gc.graph.dependentUIDs(n.uid))
		}
		if ownersChanged {
			w.enqueueOwners(old.owners)
			w.enqueueOwners(n.owners)
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    upsert,
		UpdateFunc: func(_, obj any) { upsert(obj) },
		DeleteFunc: func(obj any) {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			m, err := meta.Accessor(obj)
			if err != nil {
				return
			}
			n, ok := w.gc.graph.remove(m.GetUID())
			if !ok {
				return
			}
			w.enqueueAll(w.gc.graph.dependentUIDs(n.uid))
			w.enqueueOwners(n.owners)
		},
	}
}

func (w *watcher) enqueueAll(uids []types.UID) {
	for _, u := range uids {
		w.gc.enqueue(u)
	}
}

func (w *watcher) enqueueOwners(refs []metav1.OwnerReference) {
	for _, r := range refs {
		w.gc.enqueue(r.UID)
	}
}

func equalOwners(a, b []metav1.OwnerReference) bool {
	return slices.EqualFunc(a, b, func(x, y metav1.OwnerReference) bool {
		return x.UID == y.UID && (x.BlockOwnerDeletion == nil) == (y.BlockOwnerDeletion == nil) &&
			(x.BlockOwnerDeletion == nil || *x.BlockOwnerDeletion == *y.BlockOwnerDeletion)
	})
}

// startFactory starts f's informers with ctx. metadatainformer's factory
// interface has only Start(stopCh), which wraps the channel in a context
// of its own kind: every request context derived from that costs a
// goroutine to carry its cancellation. Its implementation has
// StartWithContext.
func startFactory(ctx context.Context, f metadatainformer.SharedInformerFactory) {
	if c, ok := f.(interface{ StartWithContext(context.Context) }); ok {
		c.StartWithContext(ctx)
		return
	}
	f.Start(ctx.Done())
}
