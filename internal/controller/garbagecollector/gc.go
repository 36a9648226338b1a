package garbagecollector

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff-dev/skiff/internal/controller"
)

// pollBlocked is how soon an owner waiting for blocking dependents is
// looked at again, should an event about them be missed.
const pollBlocked = 5 * time.Second

// Config is what the garbage collector needs.
type Config struct {
	Metadata  metadata.Interface
	Discovery discovery.DiscoveryInterface
	// Shared, when set, returns the informer the process already runs for
	// its other components of the resource whose objects are of kind gvk,
	// and false when it runs none. The collector watches such a resource
	// through that informer instead of a metadata informer of its own, as
	// upstream's collector reuses kube-controller-manager's typed
	// informers: pods and ReplicaSets are then decoded and held once. It
	// must not start informers.
	Shared func(gvk schema.GroupVersionKind) (cache.SharedIndexInformer, bool)
	// Workers defaults to 4.
	Workers int
	// Rediscover is how often discovery is re-read for new resources;
	// 30 s by default.
	Rediscover time.Duration
	Logger     *slog.Logger
}

// GarbageCollector is the collector: a graph of owner references fed by
// informers, and the reconcile loop over it.
type GarbageCollector struct {
	cfg   Config
	graph *graph
	ctrl  *controller.Controller
	w     *watcher
}

var _ controller.Reconciler = (*GarbageCollector)(nil)

// New returns a collector; Run starts its informers and workers.
func New(cfg Config) *GarbageCollector {
	if cfg.Workers == 0 {
		cfg.Workers = 4
	}
	if cfg.Rediscover == 0 {
		cfg.Rediscover = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	gc := &GarbageCollector{cfg: cfg, graph: newGraph()}
	gc.w = newWatcher(cfg.Metadata, cfg.Shared, cfg.Discovery, gc, cfg.Logger)
	gc.ctrl = controller.New(controller.Config{Name: "garbagecollector", Reconciler: gc, Workers: cfg.Workers,
		Synced: []cache.InformerSynced{gc.w.hasSynced}, Logger: cfg.Logger})
	return gc
}

// Name is "garbagecollector".
func (gc *GarbageCollector) Name() string { return gc.ctrl.Name() }

// Run discovers the resources, starts their informers and the workers, and
// blocks until ctx ends; then it waits for all of them.
func (gc *GarbageCollector) Run(ctx context.Context) error {
	defer gc.w.shutdown()
	if err := gc.w.sync(ctx); err != nil {
		gc.cfg.Logger.Warn("garbage collector discovery incomplete", "err", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(gc.cfg.Rediscover)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := gc.w.sync(ctx); err != nil {
					gc.cfg.Logger.Debug("garbage collector rediscovery incomplete", "err", err)
				}
			}
		}
	}()
	err := gc.ctrl.Run(ctx)
	<-done
	return err
}

func (gc *GarbageCollector) enqueue(uid types.UID) {
	gc.ctrl.Enqueue(controller.Request{Name: string(uid)})
}

// Reconcile acts on the object whose UID req.Name holds.
func (gc *GarbageCollector) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	n, ok := gc.graph.get(types.UID(req.Name))
	if !ok {
		return controller.Result{}, nil
	}
	if n.deleting {
		switch {
		case hasFinalizer(n, metav1.FinalizerOrphanDependents):
			return controller.Result{}, gc.orphan(ctx, n)
		case hasFinalizer(n, metav1.FinalizerDeleteDependents):
			return gc.foreground(ctx, n)
		}
		return controller.Result{}, nil
	}
	if len(n.owners) == 0 {
		return controller.Result{}, nil
	}
	states, err := gc.ownerStates(ctx, n)
	if err != nil {
		return controller.Result{}, err
	}
	v := judge(n.owners, states, gc.graph.hasDependents(n.uid))
	switch {
	case v.delete:
		gc.cfg.Logger.Debug("collecting", "resource", n.gvr.Resource, "namespace", n.namespace, "name", n.name, "policy", v.policy)
		err := gc.cfg.Metadata.Resource(n.gvr).Namespace(n.namespace).Delete(ctx, n.name, metav1.DeleteOptions{
			Preconditions: &metav1.Preconditions{UID: &n.uid}, PropagationPolicy: &v.policy})
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return controller.Result{}, nil
		}
		return controller.Result{}, err
	case v.patch:
		return controller.Result{}, gc.patchMeta(ctx, n, map[string]any{"ownerReferences": v.owners})
	}
	return controller.Result{}, nil
}

// ownerStates finds out what became of each owner of n: from the graph,
// or live for owners the graph has not seen (yet).
func (gc *GarbageCollector) ownerStates(ctx context.Context, n node) ([]ownerState, error) {
	states := make([]ownerState, len(n.owners))
	for i, o := range n.owners {
		if on, ok := gc.graph.get(o.UID); ok {
			states[i] = stateOf(on)
			continue
		}
		gvr, namespaced, err := gc.w.resourceFor(o.APIVersion, o.Kind)
		if err != nil {
			return nil, err
		}
		ns := ""
		if namespaced {
			ns = n.namespace
		}
		got, err := gc.cfg.Metadata.Resource(gvr).Namespace(ns).Get(ctx, o.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			states[i] = ownerGone
		case err != nil:
			return nil, fmt.Errorf("look up owner %s %s: %w", o.Kind, o.Name, err)
		case got.UID != o.UID:
			states[i] = ownerGone
		default:
			states[i] = stateOf(nodeOf(gvr, got))
		}
	}
	return states, nil
}

func stateOf(owner node) ownerState {
	if owner.deleting && hasFinalizer(owner, metav1.FinalizerDeleteDependents) {
		return ownerWaiting
	}
	return ownerAlive
}

// orphan strips the references to n from its dependents, then removes the
// orphan finalizer from n.
func (gc *GarbageCollector) orphan(ctx context.Context, n node) error {
	for _, d := range gc.graph.dependentsOf(n.uid) {
		if err := gc.patchMeta(ctx, d, map[string]any{"ownerReferences": withoutOwner(d.owners, n)}); err != nil {
			return fmt.Errorf("orphan %s %s/%s: %w", d.gvr.Resource, d.namespace, d.name, err)
		}
	}
	return gc.patchMeta(ctx, n, map[string]any{"finalizers": without(n.finalizers, metav1.FinalizerOrphanDependents)})
}

// foreground has the dependents of n deleted and removes the
// foregroundDeletion finalizer once none of them blocks.
func (gc *GarbageCollector) foreground(ctx context.Context, n node) (controller.Result, error) {
	blocked := false
	for _, d := range gc.graph.dependentsOf(n.uid) {
		gc.enqueue(d.uid)
		if blocking(d, n) {
			blocked = true
		}
	}
	if blocked {
		return controller.Result{RequeueAfter: pollBlocked}, nil
	}
	return controller.Result{}, gc.patchMeta(ctx, n, map[string]any{"finalizers": without(n.finalizers, metav1.FinalizerDeleteDependents)})
}

// patchMeta merge-patches fields of n's metadata, guarded by the
// resourceVersion the graph saw: a conflict is retried from fresh state.
func (gc *GarbageCollector) patchMeta(ctx context.Context, n node, fields map[string]any) error {
	fields["resourceVersion"] = n.rv
	data, err := json.Marshal(map[string]any{"metadata": fields})
	if err != nil {
		return err
	}
	_, err = gc.cfg.Metadata.Resource(n.gvr).Namespace(n.namespace).Patch(ctx, n.name, types.MergePatchType, data, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
