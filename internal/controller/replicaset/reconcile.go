package replicaset

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/skiff-dev/skiff/internal/controller"
)

// burstReplicas caps the pods created or deleted in one pass, as upstream.
const burstReplicas = 500

// Config is what the ReplicaSet controller needs.
type Config struct {
	Client  kubernetes.Interface
	Factory informers.SharedInformerFactory
	// Workers defaults to 5, as upstream's --concurrent-replicaset-syncs.
	Workers int
	Now     func() time.Time
	Logger  *slog.Logger
}

// Controller is a ReplicaSet-style controller as the server runs it.
type Controller struct {
	*controller.Controller
	r *Reconciler
}

// Reconciler keeps the pods of the objects of one Kind.
type Reconciler struct {
	client   kubernetes.Interface
	kind     Kind
	pods     corelisters.PodLister
	exp      *controller.Expectations
	recorder record.EventRecorder
	now      func() time.Time
	log      *slog.Logger
}

var _ controller.Reconciler = (*Reconciler)(nil)

// New registers the ReplicaSet and pod informers and returns the
// ReplicaSet controller.
func New(cfg Config) *Controller {
	return NewFor(cfg, replicaSetKind(cfg.Client, cfg.Factory.Apps().V1().ReplicaSets().Informer()))
}

// NewFor returns the controller for the objects of kind k, which keeps
// their pods as the ReplicaSet controller does; the pod informer comes
// from cfg.Factory.
func NewFor(cfg Config, k Kind) *Controller {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Workers == 0 {
		cfg.Workers = 5
	}
	podInf := cfg.Factory.Core().V1().Pods()
	r := &Reconciler{client: cfg.Client, kind: k, pods: podInf.Lister(), exp: controller.NewExpectations(cfg.Now),
		recorder: record.NewFakeRecorder(0), now: cfg.Now, log: cfg.Logger}
	c := controller.New(controller.Config{Name: k.Name, Reconciler: r, Workers: cfg.Workers,
		Synced: []cache.InformerSynced{k.Informer.HasSynced, podInf.Informer().HasSynced}, Logger: cfg.Logger})
	_, _ = k.Informer.AddEventHandler(c.Handler())
	_, _ = podInf.Informer().AddEventHandler(r.podHandler(c))
	return &Controller{Controller: c, r: r}
}

// Run records events as the kind's upstream component while the
// controller runs.
func (c *Controller) Run(ctx context.Context) error {
	b := record.NewBroadcaster(record.WithContext(ctx))
	defer b.Shutdown()
	b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: c.r.client.CoreV1().Events("")})
	c.r.recorder = b.NewRecorder(scheme.Scheme, corev1.EventSource{Component: c.r.kind.Component})
	return c.Controller.Run(ctx)
}

// podHandler observes expectations and enqueues the owning ReplicaSet, or
// for an orphan every ReplicaSet whose selector matches it.
func (r *Reconciler) podHandler(c *controller.Controller) cache.ResourceEventHandler {
	owners := c.MapHandler(func(obj metav1.Object) []controller.Request {
		if ref := metav1.GetControllerOfNoCopy(obj); ref != nil {
			if ref.Kind != r.kind.GVK.Kind || ref.APIVersion != r.kind.GVK.GroupVersion().String() {
				return nil
			}
			return []controller.Request{{Namespace: obj.GetNamespace(), Name: ref.Name}}
		}
		if obj.GetDeletionTimestamp() != nil {
			return nil
		}
		return r.matching(obj)
	})
	observe := func(obj any, adds, dels int) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		p, ok := obj.(*corev1.Pod)
		if !ok {
			return
		}
		if ref := metav1.GetControllerOfNoCopy(p); ref != nil && ref.Kind == r.kind.GVK.Kind {
			r.exp.Observe(p.Namespace+"/"+ref.Name, adds, dels)
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { observe(obj, 1, 0); owners.OnAdd(obj, false) },
		UpdateFunc: func(oldObj, newObj any) {
			o, n := oldObj.(*corev1.Pod), newObj.(*corev1.Pod)
			if o.DeletionTimestamp == nil && n.DeletionTimestamp != nil {
				observe(n, 0, 1)
			}
			owners.OnUpdate(oldObj, newObj)
		},
		DeleteFunc: func(obj any) {
			if p, ok := obj.(*corev1.Pod); !ok || p.DeletionTimestamp == nil {
				observe(obj, 0, 1)
			}
			owners.OnDelete(obj)
		},
	}
}

// matching returns the ReplicaSets whose selector matches an orphan pod.
func (r *Reconciler) matching(obj metav1.Object) []controller.Request {
	rss, err := r.kind.List(obj.GetNamespace())
	if err != nil {
		return nil
	}
	var out []controller.Request
	for _, rs := range rss {
		sel, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(obj.GetLabels())) {
			continue
		}
		out = append(out, controller.Request{Namespace: rs.Namespace, Name: rs.Name})
	}
	return out
}

// Reconcile brings the pods of the ReplicaSet req names to spec.replicas
// and writes its status.
func (r *Reconciler) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	key := req.String()
	rs, err := r.kind.Get(req.Namespace, req.Name)
	if apierrors.IsNotFound(err) {
		r.exp.Forget(key)
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, err
	}
	sel, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
	if err != nil {
		return controller.Result{}, controller.TerminalError(fmt.Errorf("%s %s: selector: %w", r.kind.Name, key, err))
	}
	all, err := r.pods.Pods(rs.Namespace).List(labels.Everything())
	if err != nil {
		return controller.Result{}, err
	}
	pods, err := r.claim(ctx, rs, sel, all)
	if err != nil {
		return controller.Result{}, err
	}
	var manageErr error
	reason := ""
	if r.exp.Satisfied(key) && rs.DeletionTimestamp == nil {
		reason, manageErr = r.manage(ctx, rs, key, pods)
	}
	now := r.now()
	st := computeStatus(rs, pods, manageErr, reason, now)
	if err := r.writeStatus(ctx, rs, st); err != nil {
		return controller.Result{}, errors.Join(manageErr, err)
	}
	if manageErr != nil {
		return controller.Result{}, manageErr
	}
	if d := nextAvailableCheck(rs, pods, now); d > 0 {
		return controller.Result{RequeueAfter: d}, nil
	}
	return controller.Result{}, nil
}

// writeStatus updates status when it differs from what rs shows.
func (r *Reconciler) writeStatus(ctx context.Context, rs *appsv1.ReplicaSet, st appsv1.ReplicaSetStatus) error {
	st.Conditions = keepTransitionTimes(rs.Status.Conditions, st.Conditions)
	if apiequality.Semantic.DeepEqual(rs.Status, st) {
		return nil
	}
	rs.Status = st
	err := r.kind.UpdateStatus(ctx, rs)
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// keepTransitionTimes keeps the time of conditions that did not change.
func keepTransitionTimes(old, cur []appsv1.ReplicaSetCondition) []appsv1.ReplicaSetCondition {
	for i := range cur {
		for _, o := range old {
			if o.Type == cur[i].Type && o.Status == cur[i].Status && o.Reason == cur[i].Reason && o.Message == cur[i].Message {
				cur[i].LastTransitionTime = o.LastTransitionTime
			}
		}
	}
	return cur
}
