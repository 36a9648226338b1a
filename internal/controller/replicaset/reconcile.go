package replicaset

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
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
	client kubernetes.Interface
	kind   Kind
	// claimable reads the pods it controls and the orphans.
	claimable controller.ClaimablePods
	exp       *controller.Expectations
	recorder  record.EventRecorder
	now       func() time.Time
	log       *slog.Logger
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
	r := &Reconciler{client: cfg.Client, kind: k, exp: controller.NewExpectations(cfg.Now),
		recorder: record.NewFakeRecorder(0), now: cfg.Now, log: cfg.Logger}
	r.claimable = controller.NewClaimablePods(podInf, cfg.Logger)
	c := controller.New(controller.Config{Name: k.Name, Reconciler: r, Workers: cfg.Workers,
		Synced: []cache.InformerSynced{k.Informer.HasSynced, podInf.Informer().HasSynced}, Logger: cfg.Logger})
	_, _ = controller.AddHandler(cfg.Factory, k.Informer, c.Handler())
	_, _ = controller.AddHandler(cfg.Factory, podInf.Informer(), r.podHandler(c))
	return &Controller{Controller: c, r: r}
}

// Run records events as the kind's upstream component while the
// controller runs.
func (c *Controller) Run(ctx context.Context) error {
	events := controller.NewEvents(c.r.client, c.r.kind.Component)
	defer events.Shutdown()
	c.r.recorder = events
	return c.Controller.Run(ctx)
}

// podUpdateBatch is how long a pod's update waits before its ReplicaSet
// syncs, so that the updates of many pods fold into one sync. A sync
// reads every pod of the ReplicaSet: during a burst of 10,000 pods
// through one Deployment, syncing on each pod's status change took a
// fifth of the server's CPU. Upstream batches the Job and EndpointSlice
// controllers' pod updates the same way (syncJobBatchPeriod,
// endpointUpdatesBatchPeriod). The addition that completes the pods the
// expectations wait for, deletions, and updates that change a pod's
// labels, owner or deletion still sync at once.
const podUpdateBatch = 100 * time.Millisecond

// podHandler observes expectations and enqueues the owning ReplicaSet, or
// for an orphan every ReplicaSet whose selector matches it.
func (r *Reconciler) podHandler(c *controller.Controller) cache.ResourceEventHandler {
	owners := func(obj any) []controller.Request {
		p := podOf(obj)
		if p == nil {
			return nil
		}
		if ref := metav1.GetControllerOfNoCopy(p); ref != nil {
			if ref.Kind != r.kind.GVK.Kind || ref.APIVersion != r.kind.GVK.GroupVersion().String() {
				return nil
			}
			return []controller.Request{{Namespace: p.Namespace, Name: ref.Name}}
		}
		if p.DeletionTimestamp != nil {
			return nil
		}
		return r.matching(p)
	}
	enqueue := func(obj any, after time.Duration) {
		for _, req := range owners(obj) {
			if after > 0 {
				c.EnqueueAfter(req, after)
			} else {
				c.Enqueue(req)
			}
		}
	}
	// observe counts the event against the owner's expectations and
	// reports whether they are still waiting for more.
	observe := func(obj any, adds, dels int) (waiting bool) {
		p := podOf(obj)
		if p == nil {
			return false
		}
		if ref := metav1.GetControllerOfNoCopy(p); ref != nil && ref.Kind == r.kind.GVK.Kind {
			key := p.Namespace + "/" + ref.Name
			r.exp.Observe(key, adds, dels)
			return !r.exp.Satisfied(key)
		}
		return false
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			// While a batch of creations is still arriving, a sync could
			// only recount: the last creation of the batch syncs at once.
			if observe(obj, 1, 0) {
				enqueue(obj, podUpdateBatch)
				return
			}
			enqueue(obj, 0)
		},
		UpdateFunc: func(oldObj, newObj any) {
			o, n := oldObj.(*corev1.Pod), newObj.(*corev1.Pod)
			if o.DeletionTimestamp == nil && n.DeletionTimestamp != nil {
				observe(n, 0, 1)
			}
			if statusOnly(o, n) {
				enqueue(n, podUpdateBatch)
				return
			}
			enqueue(o, 0)
			enqueue(n, 0)
		},
		DeleteFunc: func(obj any) {
			if p, ok := obj.(*corev1.Pod); !ok || p.DeletionTimestamp == nil {
				observe(obj, 0, 1)
			}
			enqueue(obj, 0)
		},
	}
}

// podOf is the pod an informer event carries, tombstones unwrapped; nil
// for anything else.
func podOf(obj any) *corev1.Pod {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	p, _ := obj.(*corev1.Pod)
	return p
}

// statusOnly reports whether an update leaves what decides a pod's
// ReplicaSet and its counting as created or deleted unchanged: labels,
// controller and deletion.
func statusOnly(o, n *corev1.Pod) bool {
	oref, nref := metav1.GetControllerOfNoCopy(o), metav1.GetControllerOfNoCopy(n)
	sameOwner := (oref == nil) == (nref == nil) && (oref == nil || oref.UID == nref.UID)
	return sameOwner && (o.DeletionTimestamp == nil) == (n.DeletionTimestamp == nil) &&
		maps.Equal(o.Labels, n.Labels)
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
	// Expectations are read before the pods, as upstream does: once they
	// are met, every pod they waited for is already in the cache read
	// below. Read after, the last pod could arrive in between, met but not
	// listed, and manage would create one pod too many.
	satisfied := r.exp.Satisfied(key)
	all, err := r.claimable.For(rs.Namespace, rs.UID)
	if err != nil {
		return controller.Result{}, err
	}
	pods, err := r.claim(ctx, rs, sel, all)
	if err != nil {
		return controller.Result{}, err
	}
	var manageErr error
	reason := ""
	if satisfied && rs.DeletionTimestamp == nil {
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
