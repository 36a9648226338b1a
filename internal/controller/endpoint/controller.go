package endpoint

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/skiff-dev/skiff/internal/controller"
	"github.com/skiff-dev/skiff/internal/controller/servicepods"
)

// Config is what the Endpoints controller needs.
type Config struct {
	Client  kubernetes.Interface
	Factory informers.SharedInformerFactory
	// Workers defaults to 5, as upstream's --concurrent-endpoint-syncs.
	Workers int
	Logger  *slog.Logger
}

// Controller is the Endpoints controller.
type Controller struct {
	loop   *controller.Controller
	events *controller.Events
}

type reconciler struct {
	client    kubernetes.Interface
	services  corelisters.ServiceLister
	pods      corelisters.PodLister
	endpoints corelisters.EndpointsLister
	recorder  record.EventRecorder
	triggers  *servicepods.TriggerTracker
	log       *slog.Logger
}

// New registers the Service, pod and Endpoints informers and returns the
// controller.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Factory == nil {
		return nil, errors.New("endpoint: client and informer factory are required")
	}
	if cfg.Workers == 0 {
		cfg.Workers = 5
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	svcs, pods, eps := cfg.Factory.Core().V1().Services(), cfg.Factory.Core().V1().Pods(), cfg.Factory.Core().V1().Endpoints()
	events := controller.NewEvents(cfg.Client, "endpoint-controller")
	r := &reconciler{
		client: cfg.Client, services: svcs.Lister(), pods: pods.Lister(), endpoints: eps.Lister(),
		recorder: events,
		triggers: servicepods.NewTriggerTracker(), log: cfg.Logger.With("controller", "endpoint"),
	}
	loop := controller.New(controller.Config{Name: "endpoint", Reconciler: r, Workers: cfg.Workers, Logger: cfg.Logger,
		Synced: []cache.InformerSynced{svcs.Informer().HasSynced, pods.Informer().HasSynced, eps.Informer().HasSynced}})
	handlers := []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandler
	}{
		{svcs.Informer(), loop.Handler()},
		{pods.Informer(), loop.MapHandler(servicepods.ServicesOf(svcs.Informer().GetIndexer()))},
		{eps.Informer(), loop.MapHandler(r.ownEndpoints)},
	}
	for _, h := range handlers {
		if _, err := controller.AddHandler(cfg.Factory, h.inf, h.h); err != nil {
			return nil, err
		}
	}
	return &Controller{loop: loop, events: events}, nil
}

// Name is "endpoint".
func (c *Controller) Name() string { return "endpoint" }

// Run reconciles until ctx ends.
func (c *Controller) Run(ctx context.Context) error {
	defer c.events.Shutdown()
	return c.loop.Run(ctx)
}

// ownEndpoints maps an Endpoints object to its Service when that Service
// has a selector, so a changed or deleted Endpoints is put back.
func (r *reconciler) ownEndpoints(obj metav1.Object) []controller.Request {
	s, err := r.services.Services(obj.GetNamespace()).Get(obj.GetName())
	if err != nil || s.Spec.Selector == nil {
		return nil
	}
	return []controller.Request{{Namespace: obj.GetNamespace(), Name: obj.GetName()}}
}

// Reconcile writes the Endpoints of one Service.
func (r *reconciler) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	if req.Namespace == metav1.NamespaceDefault && req.Name == "kubernetes" {
		return controller.Result{}, nil // the server keeps these
	}
	svc, err := r.services.Services(req.Namespace).Get(req.Name)
	if apierrors.IsNotFound(err) {
		r.triggers.Forget(req.String())
		err := r.client.CoreV1().Endpoints(req.Namespace).Delete(ctx, req.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return controller.Result{}, err
		}
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, err
	}
	if svc.Spec.Selector == nil {
		return controller.Result{}, nil
	}
	pods, err := r.pods.Pods(svc.Namespace).List(labels.SelectorFromSet(svc.Spec.Selector))
	if err != nil {
		return controller.Result{}, err
	}
	subsets, truncated := buildSubsets(svc, pods)
	trigger, written := r.triggers.Compute(req.String(), svc, pods)
	cur, err := r.endpoints.Endpoints(svc.Namespace).Get(svc.Name)
	if err != nil && !apierrors.IsNotFound(err) {
		return controller.Result{}, err
	}
	want := desired(svc, cur, subsets, truncated, trigger)
	if cur != nil && upToDate(cur, want) {
		written()
		return controller.Result{}, nil
	}
	if err := r.write(ctx, svc, cur, want); err != nil {
		return controller.Result{}, err
	}
	written()
	return controller.Result{}, nil
}

// desired is the Endpoints object for svc, built on cur when it exists.
func desired(svc *corev1.Service, cur *corev1.Endpoints, subsets []corev1.EndpointSubset, truncated bool, trigger time.Time) *corev1.Endpoints {
	out := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Namespace: svc.Namespace, Name: svc.Name}}
	if cur != nil {
		out = cur.DeepCopy()
	}
	out.Subsets = subsets
	out.Labels = map[string]string{}
	for k, v := range svc.Labels {
		out.Labels[k] = v
	}
	if svc.Spec.ClusterIP == corev1.ClusterIPNone {
		out.Labels[corev1.IsHeadlessService] = ""
	}
	if out.Annotations == nil {
		out.Annotations = map[string]string{}
	}
	if trigger.IsZero() {
		delete(out.Annotations, corev1.EndpointsLastChangeTriggerTime)
	} else {
		out.Annotations[corev1.EndpointsLastChangeTriggerTime] = trigger.UTC().Format(time.RFC3339Nano)
	}
	if truncated {
		out.Annotations[corev1.EndpointsOverCapacity] = "truncated"
	} else {
		delete(out.Annotations, corev1.EndpointsOverCapacity)
	}
	return out
}

// upToDate reports whether cur already has want's subsets, labels and
// capacity annotation (the trigger time alone is no reason to write).
func upToDate(cur, want *corev1.Endpoints) bool {
	return apiequality.Semantic.DeepEqual(normalize(cur.Subsets), normalize(want.Subsets)) &&
		apiequality.Semantic.DeepEqual(emptyNil(cur.Labels), emptyNil(want.Labels)) &&
		cur.Annotations[corev1.EndpointsOverCapacity] == want.Annotations[corev1.EndpointsOverCapacity]
}

func normalize(s []corev1.EndpointSubset) []corev1.EndpointSubset {
	if len(s) == 0 {
		return nil
	}
	return s
}

func emptyNil(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// write creates or updates the Endpoints, recording upstream's events on
// failure.
func (r *reconciler) write(ctx context.Context, svc *corev1.Service, cur, want *corev1.Endpoints) error {
	eps := r.client.CoreV1().Endpoints(svc.Namespace)
	if cur == nil {
		_, err := eps.Create(ctx, want, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			return err // the cache is behind; retry from fresh state
		}
		if err != nil && !apierrors.IsForbidden(err) {
			r.recorder.Eventf(svc, corev1.EventTypeWarning, "FailedToCreateEndpoint", "Failed to create endpoint for service %v/%v: %v", svc.Namespace, svc.Name, err)
		}
		if err != nil {
			return fmt.Errorf("create endpoints %s/%s: %w", svc.Namespace, svc.Name, err)
		}
		return nil
	}
	if _, err := eps.Update(ctx, want, metav1.UpdateOptions{}); err != nil {
		if !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
			r.recorder.Eventf(svc, corev1.EventTypeWarning, "FailedToUpdateEndpoint", "Failed to update endpoint %v/%v: %v", svc.Namespace, svc.Name, err)
		}
		return fmt.Errorf("update endpoints %s/%s: %w", svc.Namespace, svc.Name, err)
	}
	return nil
}
