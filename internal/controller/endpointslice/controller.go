package endpointslice

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/skiff-dev/skiff/internal/controller"
	"github.com/skiff-dev/skiff/internal/controller/servicepods"
)

// ManagedBy is the endpointslice.kubernetes.io/managed-by value of the
// slices this controller writes.
const ManagedBy = "endpointslice-controller.k8s.io"

// Config is what the EndpointSlice controller needs.
type Config struct {
	Client  kubernetes.Interface
	Factory informers.SharedInformerFactory
	// Workers defaults to 5, as upstream's --concurrent-service-endpoint-syncs.
	Workers int
	// MaxEndpointsPerSlice defaults to 100.
	MaxEndpointsPerSlice int
	Logger               *slog.Logger
}

// Controller is the EndpointSlice controller.
type Controller struct {
	loop   *controller.Controller
	events *controller.Events
}

type reconciler struct {
	client   kubernetes.Interface
	services corelisters.ServiceLister
	pods     corelisters.PodLister
	nodes    corelisters.NodeLister
	slices   discoverylisters.EndpointSliceLister
	recorder record.EventRecorder
	max      int
	log      *slog.Logger

	written  *tracker
	triggers *servicepods.TriggerTracker
}

// New registers its informers and returns the controller.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Factory == nil {
		return nil, errors.New("endpointslice: client and informer factory are required")
	}
	if cfg.Workers == 0 {
		cfg.Workers = 5
	}
	if cfg.MaxEndpointsPerSlice == 0 {
		cfg.MaxEndpointsPerSlice = maxEndpointsPerSlice
	}
	if cfg.MaxEndpointsPerSlice < 1 || cfg.MaxEndpointsPerSlice > 1000 {
		return nil, fmt.Errorf("endpointslice: max endpoints per slice %d must be 1-1000", cfg.MaxEndpointsPerSlice)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	core := cfg.Factory.Core().V1()
	slices := cfg.Factory.Discovery().V1().EndpointSlices()
	events := controller.NewEvents(cfg.Client, "endpoint-slice-controller")
	r := &reconciler{
		client: cfg.Client, services: core.Services().Lister(), pods: core.Pods().Lister(), nodes: core.Nodes().Lister(),
		slices: slices.Lister(), max: cfg.MaxEndpointsPerSlice, log: cfg.Logger.With("controller", "endpointslice"),
		recorder: events,
		triggers: servicepods.NewTriggerTracker(), written: newTracker(),
	}
	loop := controller.New(controller.Config{Name: "endpointslice", Reconciler: r, Workers: cfg.Workers, Logger: cfg.Logger,
		Synced: []cache.InformerSynced{core.Services().Informer().HasSynced, core.Pods().Informer().HasSynced,
			core.Nodes().Informer().HasSynced, slices.Informer().HasSynced}})
	handlers := []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandler
	}{
		{core.Services().Informer(), loop.Handler()},
		{core.Pods().Informer(), loop.MapHandler(servicepods.ServicesOf(core.Services().Informer().GetIndexer()))},
		{slices.Informer(), loop.MapHandler(ownerService)},
	}
	for _, h := range handlers {
		if _, err := controller.AddHandler(cfg.Factory, h.inf, h.h); err != nil {
			return nil, err
		}
	}
	return &Controller{loop: loop, events: events}, nil
}

// Name is "endpointslice".
func (c *Controller) Name() string { return "endpointslice" }

// Run reconciles until ctx ends.
func (c *Controller) Run(ctx context.Context) error {
	defer c.events.Shutdown()
	return c.loop.Run(ctx)
}

// ownerService maps a slice this controller manages to its Service.
func ownerService(obj metav1.Object) []controller.Request {
	l := obj.GetLabels()
	if l[discoveryv1.LabelManagedBy] != ManagedBy || l[discoveryv1.LabelServiceName] == "" {
		return nil
	}
	return []controller.Request{{Namespace: obj.GetNamespace(), Name: l[discoveryv1.LabelServiceName]}}
}

// Reconcile writes the EndpointSlices of one Service.
func (r *reconciler) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	svc, err := r.services.Services(req.Namespace).Get(req.Name)
	if apierrors.IsNotFound(err) {
		r.triggers.Forget(req.String())
		r.written.forget(req.String())
		return controller.Result{}, nil // the garbage collector deletes the owned slices
	}
	if err != nil {
		return controller.Result{}, err
	}
	if svc.Spec.Selector == nil || svc.Spec.Type == corev1.ServiceTypeExternalName {
		return controller.Result{}, nil
	}
	pods, err := r.pods.Pods(svc.Namespace).List(labels.SelectorFromSet(svc.Spec.Selector))
	if err != nil {
		return controller.Result{}, err
	}
	existing, err := r.slices.EndpointSlices(svc.Namespace).List(labels.SelectorFromSet(labels.Set{
		discoveryv1.LabelServiceName: svc.Name, discoveryv1.LabelManagedBy: ManagedBy,
	}))
	if err != nil {
		return controller.Result{}, err
	}
	if r.written.stale(req.String(), existing) {
		return controller.Result{RequeueAfter: 50 * time.Millisecond}, nil
	}
	p := pack(existing, r.desired(svc, pods), r.max, addressTypes(svc)[0])
	trigger, written := r.triggers.Compute(req.String(), svc, pods)
	if err := r.apply(ctx, svc, p, trigger); err != nil {
		if !apierrors.IsConflict(err) && !apierrors.IsAlreadyExists(err) {
			r.recorder.Eventf(svc, corev1.EventTypeWarning, "FailedToUpdateEndpointSlices",
				"Error updating Endpoint Slices for Service %s/%s: %v", svc.Namespace, svc.Name, err)
		}
		return controller.Result{}, err
	}
	written()
	return controller.Result{}, nil
}

// desired groups the endpoints of svc's pods by address type and ports.
func (r *reconciler) desired(svc *corev1.Service, pods []*corev1.Pod) map[string]*group {
	out := map[string]*group{}
	for _, at := range addressTypes(svc) {
		for _, pod := range pods {
			if !servicepods.Include(pod, true) {
				continue
			}
			ip := podIP(pod, at)
			if ip == "" {
				continue
			}
			ports := podPorts(pod, svc)
			if len(ports) == 0 && len(svc.Spec.Ports) > 0 {
				continue
			}
			zone := ""
			if n, err := r.nodes.Get(pod.Spec.NodeName); err == nil {
				zone = n.Labels[corev1.LabelTopologyZone]
			}
			k := groupKey(at, ports)
			g := out[k]
			if g == nil {
				g = &group{addressType: at, ports: ports}
				out[k] = g
			}
			g.endpoints = append(g.endpoints, endpointFor(pod, svc, ip, zone))
		}
	}
	for _, g := range out {
		sort.Slice(g.endpoints, func(i, j int) bool { return g.endpoints[i].Addresses[0] < g.endpoints[j].Addresses[0] })
	}
	return out
}

// apply performs a plan: deletes, updates, creates, and fixes the labels
// and owner of slices kept as they are.
func (r *reconciler) apply(ctx context.Context, svc *corev1.Service, p plan, trigger time.Time) error {
	api := r.client.DiscoveryV1().EndpointSlices(svc.Namespace)
	key := svc.Namespace + "/" + svc.Name
	for _, s := range p.remove {
		if err := api.Delete(ctx, s.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &s.UID}}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete endpointslice %s: %w", s.Name, err)
		}
		r.written.wrote(key, s.Name, "")
	}
	for _, s := range p.update {
		s = s.DeepCopy()
		setMeta(s, svc, trigger)
		out, err := api.Update(ctx, s, metav1.UpdateOptions{})
		if err != nil {
			return fmt.Errorf("update endpointslice %s: %w", s.Name, err)
		}
		r.written.wrote(key, out.Name, out.ResourceVersion)
	}
	for _, s := range p.create {
		setMeta(s, svc, trigger)
		out, err := api.Create(ctx, s, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create endpointslice for service %s: %w", svc.Name, err)
		}
		r.written.wrote(key, out.Name, out.ResourceVersion)
	}
	for _, s := range p.keep {
		want := s.DeepCopy()
		setMeta(want, svc, time.Time{})
		if apiequality.Semantic.DeepEqual(want.Labels, s.Labels) && apiequality.Semantic.DeepEqual(want.OwnerReferences, s.OwnerReferences) {
			continue
		}
		out, err := api.Update(ctx, want, metav1.UpdateOptions{})
		if err != nil {
			return fmt.Errorf("update endpointslice %s labels: %w", s.Name, err)
		}
		r.written.wrote(key, out.Name, out.ResourceVersion)
	}
	return nil
}

// setMeta gives a slice its name prefix, labels, owner and trigger time.
func setMeta(s *discoveryv1.EndpointSlice, svc *corev1.Service, trigger time.Time) {
	s.Namespace = svc.Namespace
	if s.Name == "" {
		prefix := svc.Name
		if len(prefix) > 57 {
			prefix = prefix[:57]
		}
		s.GenerateName = prefix + "-"
	}
	l := map[string]string{}
	for k, v := range svc.Labels {
		l[k] = v
	}
	l[discoveryv1.LabelServiceName] = svc.Name
	l[discoveryv1.LabelManagedBy] = ManagedBy
	if svc.Spec.ClusterIP == corev1.ClusterIPNone {
		l[corev1.IsHeadlessService] = ""
	} else {
		delete(l, corev1.IsHeadlessService)
	}
	s.Labels = l
	yes := true
	s.OwnerReferences = []metav1.OwnerReference{{
		APIVersion: "v1", Kind: "Service", Name: svc.Name, UID: svc.UID, Controller: &yes, BlockOwnerDeletion: &yes,
	}}
	if !trigger.IsZero() {
		if s.Annotations == nil {
			s.Annotations = map[string]string{}
		}
		s.Annotations[corev1.EndpointsLastChangeTriggerTime] = trigger.UTC().Format(time.RFC3339Nano)
	}
}
