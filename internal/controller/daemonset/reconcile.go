package daemonset

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/skiff-dev/skiff/internal/controller"
	"github.com/skiff-dev/skiff/internal/controller/history"
)

// component is the event source upstream's DaemonSet controller uses.
const component = "daemonset-controller"

var kind = appsv1.SchemeGroupVersion.WithKind("DaemonSet")

// Config is what the DaemonSet controller needs.
type Config struct {
	Client  kubernetes.Interface
	Factory informers.SharedInformerFactory
	// Workers defaults to 2, as upstream's --concurrent-daemonset-syncs.
	Workers int
	Now     func() time.Time
	Logger  *slog.Logger
}

// Controller is the DaemonSet reconcile loop with its events.
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

// Reconciler syncs DaemonSets.
type Reconciler struct {
	client kubernetes.Interface
	sets   appslisters.DaemonSetLister
	setIdx cache.Indexer
	// claimable reads the pods a DaemonSet controls and the orphans.
	claimable controller.ClaimablePods
	nodes     corelisters.NodeLister
	history   *history.Store
	rec       record.EventRecorder
	exp       *controller.Expectations
	failed    *backoff
	now       func() time.Time
	log       *slog.Logger
}

var _ controller.Reconciler = (*Reconciler)(nil)

// New registers the DaemonSet, pod, node and ControllerRevision informers
// and returns the controller.
func New(cfg Config) *Controller {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Workers == 0 {
		cfg.Workers = 2
	}
	dsInf := cfg.Factory.Apps().V1().DaemonSets()
	podInf := cfg.Factory.Core().V1().Pods()
	nodeInf := cfg.Factory.Core().V1().Nodes()
	revInf := cfg.Factory.Apps().V1().ControllerRevisions()
	events := controller.NewEvents(cfg.Client, component)
	r := &Reconciler{client: cfg.Client, sets: dsInf.Lister(), setIdx: dsInf.Informer().GetIndexer(), nodes: nodeInf.Lister(),
		history: history.NewStore(cfg.Client, revInf.Lister(), history.PodHashLabel),
		rec:     events,
		exp:     controller.NewExpectations(cfg.Now), failed: newBackoff(cfg.Now), now: cfg.Now, log: cfg.Logger}
	r.claimable = controller.NewClaimablePods(podInf, cfg.Logger)
	c := controller.New(controller.Config{Name: "daemonset", Reconciler: r, Workers: cfg.Workers, Logger: cfg.Logger,
		Synced: []cache.InformerSynced{dsInf.Informer().HasSynced, podInf.Informer().HasSynced,
			nodeInf.Informer().HasSynced, revInf.Informer().HasSynced}})
	_, _ = controller.AddHandler(cfg.Factory, dsInf.Informer(), c.Handler())
	_, _ = controller.AddHandler(cfg.Factory, podInf.Informer(), c.OwnedPodHandler(kind, r.exp, r.matching))
	_, _ = controller.AddHandler(cfg.Factory, nodeInf.Informer(), r.nodeHandler(c))
	_, _ = controller.AddHandler(cfg.Factory, revInf.Informer(), c.OwnerHandler(kind.Kind))
	return &Controller{Controller: c, events: events}
}

// Reconcile syncs the pods and revisions of the DaemonSet req names and
// writes its status.
func (r *Reconciler) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	key := req.String()
	cached, err := r.sets.DaemonSets(req.Namespace).Get(req.Name)
	if apierrors.IsNotFound(err) {
		r.exp.Forget(key)
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, err
	}
	ds := cached.DeepCopy()
	sel, err := metav1.LabelSelectorAsSelector(ds.Spec.Selector)
	if err != nil {
		return controller.Result{}, controller.TerminalError(fmt.Errorf("daemonset %s: selector: %w", key, err))
	}
	if sel.Empty() {
		r.rec.Eventf(ds, corev1.EventTypeWarning, "SelectingAll", "This daemon set is selecting all pods. A non-empty selector is required.")
		return controller.Result{}, nil
	}
	if ds.DeletionTimestamp != nil {
		return controller.Result{}, nil
	}
	nodes, err := r.nodes.List(labels.Everything())
	if err != nil {
		return controller.Result{}, err
	}
	// Expectations before the pods (replicaset.Reconciler.Reconcile says
	// why).
	satisfied := r.exp.Satisfied(key)
	byNode, err := r.claimPods(ctx, ds, sel)
	if err != nil {
		return controller.Result{}, err
	}
	revs, err := r.history.List(ctx, ds, kind, sel)
	if err != nil {
		return controller.Result{}, err
	}
	cur, revs, cc, err := r.revision(ctx, ds, revs, byNode)
	if err != nil {
		return controller.Result{}, err
	}
	hash := cur.Labels[history.PodHashLabel]
	var syncErr error
	var retry time.Duration
	if satisfied {
		retry, syncErr = r.sync(ctx, ds, key, nodes, byNode, hash)
	}
	now := r.now()
	st := computeStatus(ds, nodes, byNode, hash, cc, now)
	err = errors.Join(r.writeStatus(ctx, ds, st), r.trimHistory(ctx, ds, byNode, revs, cur))
	if err = errors.Join(syncErr, err); err != nil {
		return controller.Result{}, err
	}
	if ds.Spec.MinReadySeconds > 0 && st.NumberReady != st.NumberAvailable {
		retry = minPositive(retry, time.Duration(ds.Spec.MinReadySeconds)*time.Second)
	}
	return controller.Result{RequeueAfter: retry}, nil
}

func minPositive(a, b time.Duration) time.Duration {
	if a <= 0 || (b > 0 && b < a) {
		return b
	}
	return a
}

// sync manages nodes and, once nothing it asked for is pending, takes a
// rolling-update step. It returns when to look again for failed pods in
// back-off.
func (r *Reconciler) sync(ctx context.Context, ds *appsv1.DaemonSet, key string, nodes []*corev1.Node, byNode map[string][]*corev1.Pod, hash string) (time.Duration, error) {
	ru := ds.Spec.UpdateStrategy.RollingUpdate
	rolling := ds.Spec.UpdateStrategy.Type != appsv1.OnDeleteDaemonSetStrategyType
	spec := daemonSpec(ds)
	desired := 0
	for _, n := range nodes {
		if run, _ := shouldRun(spec, n); run {
			desired++
		}
	}
	surge, unavailable := rollLimits(ru, desired)
	var retry time.Duration
	allowFailed := func(node string) bool {
		w := r.failed.wait(key + "/" + node)
		retry = minPositive(retry, w)
		return w == 0
	}
	pl := place(spec, nodes, byNode, rolling && surge > 0, hash, ds.Generation, allowFailed)
	for _, p := range pl.failed {
		r.rec.Eventf(ds, corev1.EventTypeWarning, "FailedDaemonPod", "Found failed daemon pod %s/%s on node %s, will try to kill it", p.Namespace, p.Name, targetNode(p))
	}
	if err := r.syncNodes(ctx, ds, key, pl.delete, pl.createOn, hash); err != nil {
		return retry, err
	}
	if !rolling || !r.exp.Satisfied(key) || len(pl.delete)+len(pl.createOn) > 0 {
		return retry, nil
	}
	runs := func(node string) bool {
		n, err := r.nodes.Get(node)
		if err != nil {
			return false
		}
		ok, _ := shouldRun(spec, n)
		return ok
	}
	del, createOn := roll(rollInput{nodes: byNode, runs: runs, hash: hash, generation: ds.Generation,
		maxSurge: surge, maxUnavailable: unavailable, minReady: time.Duration(ds.Spec.MinReadySeconds) * time.Second, now: r.now()})
	return retry, r.syncNodes(ctx, ds, key, del, createOn, hash)
}
