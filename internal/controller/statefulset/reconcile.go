package statefulset

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/skiff-dev/skiff/internal/controller"
	"github.com/skiff-dev/skiff/internal/controller/history"
)

// component is the event source upstream's StatefulSet controller uses.
const component = "statefulset-controller"

// Config is what the StatefulSet controller needs.
type Config struct {
	Client  kubernetes.Interface
	Factory informers.SharedInformerFactory
	// Workers defaults to 5, as upstream's --concurrent-statefulset-syncs.
	Workers int
	Now     func() time.Time
	Logger  *slog.Logger
}

// Controller is the StatefulSet reconcile loop with its events.
type Controller struct {
	*controller.Controller
	events *controller.Events
}

// Run records events to the API while the loop runs; it blocks until ctx
// ends.
func (c *Controller) Run(ctx context.Context) error {
	defer c.events.Shutdown()
	return c.Controller.Run(ctx)
}

// Reconciler syncs StatefulSets.
type Reconciler struct {
	client  kubernetes.Interface
	sets    appslisters.StatefulSetLister
	setIdx  cache.Indexer
	pods    corelisters.PodLister
	claims  corelisters.PersistentVolumeClaimLister
	history *history.Store
	rec     record.EventRecorder
	exp     *controller.Expectations
	now     func() time.Time
	log     *slog.Logger
}

var _ controller.Reconciler = (*Reconciler)(nil)

// New registers the StatefulSet, pod, PVC and ControllerRevision
// informers and returns the controller.
func New(cfg Config) *Controller {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Workers == 0 {
		cfg.Workers = 5
	}
	setInf := cfg.Factory.Apps().V1().StatefulSets()
	podInf := cfg.Factory.Core().V1().Pods()
	pvcInf := cfg.Factory.Core().V1().PersistentVolumeClaims()
	revInf := cfg.Factory.Apps().V1().ControllerRevisions()
	events := controller.NewEvents(cfg.Client, component)
	r := &Reconciler{client: cfg.Client, sets: setInf.Lister(), setIdx: setInf.Informer().GetIndexer(), pods: podInf.Lister(), claims: pvcInf.Lister(),
		history: history.NewStore(cfg.Client, revInf.Lister(), history.StatefulSetHashLabel),
		rec:     events,
		exp:     controller.NewExpectations(cfg.Now), now: cfg.Now, log: cfg.Logger}
	c := controller.New(controller.Config{Name: "statefulset", Reconciler: r, Workers: cfg.Workers, Logger: cfg.Logger,
		Synced: []cache.InformerSynced{setInf.Informer().HasSynced, podInf.Informer().HasSynced,
			pvcInf.Informer().HasSynced, revInf.Informer().HasSynced}})
	_, _ = controller.AddHandler(cfg.Factory, setInf.Informer(), c.Handler())
	_, _ = controller.AddHandler(cfg.Factory, podInf.Informer(), c.OwnedPodHandler(kind, r.exp, r.matching))
	_, _ = controller.AddHandler(cfg.Factory, revInf.Informer(), c.OwnerHandler(kind.Kind))
	return &Controller{Controller: c, events: events}
}

// matching returns the sets whose selector matches an orphan pod.
func (r *Reconciler) matching(obj metav1.Object) []controller.Request {
	return controller.SelectingOwners(r.setIdx, obj, func(s *appsv1.StatefulSet) *metav1.LabelSelector { return s.Spec.Selector })
}

// Reconcile syncs the pods, claims and revisions of the StatefulSet req
// names and writes its status.
func (r *Reconciler) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	key := req.String()
	cached, err := r.sets.StatefulSets(req.Namespace).Get(req.Name)
	if apierrors.IsNotFound(err) {
		r.exp.Forget(key)
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, err
	}
	set := cached.DeepCopy()
	sel, err := metav1.LabelSelectorAsSelector(set.Spec.Selector)
	if err != nil {
		return controller.Result{}, controller.TerminalError(fmt.Errorf("statefulset %s: selector: %w", key, err))
	}
	if set.DeletionTimestamp != nil {
		return controller.Result{}, nil
	}
	// Expectations before the pods (replicaset.Reconciler.Reconcile says
	// why).
	satisfied := r.exp.Satisfied(key)
	pods, err := r.claimPods(ctx, set, sel)
	if err != nil {
		return controller.Result{}, err
	}
	revs, err := r.history.List(ctx, set, kind, sel)
	if err != nil {
		return controller.Result{}, err
	}
	rv, err := r.revisions(ctx, set, revs)
	if err != nil {
		return controller.Result{}, err
	}
	var pl plan
	var syncErr error
	now := r.now()
	if satisfied {
		pl = decide(planInputFor(set, pods, rv.update.Name, now))
		syncErr = r.perform(ctx, set, key, rv, pods, pl)
	}
	st := computeStatus(set, pods, rv, now)
	if err := r.writeStatus(ctx, set, st); err != nil {
		return controller.Result{}, err
	}
	if err := r.trimHistory(ctx, set, pods, revs, rv); err != nil {
		return controller.Result{}, err
	}
	if syncErr != nil {
		return controller.Result{}, syncErr
	}
	if d := nextAvailableCheck(set, pods, now); d > 0 || pl.recheck > 0 {
		return controller.Result{RequeueAfter: max(d, pl.recheck) + time.Millisecond}, nil
	}
	return controller.Result{}, nil
}

// planInputFor gathers what decide needs from set and its pods.
func planInputFor(set *appsv1.StatefulSet, pods map[int]*corev1.Pod, update string, now time.Time) planInput {
	in := planInput{start: startOf(set), replicas: replicasOf(set),
		ordered:        set.Spec.PodManagementPolicy != appsv1.ParallelPodManagement,
		onDelete:       set.Spec.UpdateStrategy.Type == appsv1.OnDeleteStatefulSetStrategyType,
		updateRevision: update, pods: pods,
		minReady: time.Duration(set.Spec.MinReadySeconds) * time.Second, now: now}
	if ru := set.Spec.UpdateStrategy.RollingUpdate; ru != nil && !in.onDelete {
		if ru.Partition != nil {
			in.partition = int(*ru.Partition)
		}
		if ru.MaxUnavailable != nil {
			in.maxUnavailable = scaledMaxUnavailable(ru.MaxUnavailable, in.replicas)
		}
	}
	return in
}
