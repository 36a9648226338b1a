package deployment

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/skiff-dev/skiff/internal/controller"
)

var kind = appsv1.SchemeGroupVersion.WithKind("Deployment")

// Config is what the Deployment controller needs.
type Config struct {
	Client  kubernetes.Interface
	Factory informers.SharedInformerFactory
	// Workers defaults to 5, as upstream's --concurrent-deployment-syncs.
	Workers int
	// Recorder receives the Deployment events; nil makes New build one
	// that writes them through Client as "deployment-controller", the
	// component upstream names.
	Recorder record.EventRecorder
	Now      func() time.Time
	Logger   *slog.Logger
}

// Reconciler rolls Deployments.
type Reconciler struct {
	client   kubernetes.Interface
	deps     appslisters.DeploymentLister
	rsets    appslisters.ReplicaSetLister
	now      func() time.Time
	log      *slog.Logger
	recorder record.EventRecorder
}

var _ controller.Reconciler = (*Reconciler)(nil)

// Controller is the Deployment controller: the reconcile loop and, when
// it built its own recorder, the events that Run shuts down.
type Controller struct {
	*controller.Controller
	events *controller.Events
}

// Run writes events while the reconcile loop runs; it blocks until ctx
// ends.
func (c *Controller) Run(ctx context.Context) error {
	if c.events != nil {
		defer c.events.Shutdown()
	}
	return c.Controller.Run(ctx)
}

// New registers the Deployment and ReplicaSet informers and returns the
// controller.
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
	var events *controller.Events
	if cfg.Recorder == nil {
		events = controller.NewEvents(cfg.Client, "deployment-controller")
		cfg.Recorder = events
	}
	dInf := cfg.Factory.Apps().V1().Deployments()
	rsInf := cfg.Factory.Apps().V1().ReplicaSets()
	r := &Reconciler{client: cfg.Client, deps: dInf.Lister(), rsets: rsInf.Lister(), now: cfg.Now, log: cfg.Logger, recorder: cfg.Recorder}
	c := controller.New(controller.Config{Name: "deployment", Reconciler: r, Workers: cfg.Workers,
		Synced: []cache.InformerSynced{dInf.Informer().HasSynced, rsInf.Informer().HasSynced}, Logger: cfg.Logger})
	_, _ = controller.AddHandler(cfg.Factory, dInf.Informer(), c.Handler())
	_, _ = controller.AddHandler(cfg.Factory, rsInf.Informer(), c.OwnerHandler(kind.Kind))
	return &Controller{Controller: c, events: events}
}

// pass is what one reconcile did, for the status it writes.
type pass struct {
	created, progressed bool
}

// Reconcile rolls the Deployment req names one step and writes its status.
func (r *Reconciler) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	cached, err := r.deps.Deployments(req.Namespace).Get(req.Name)
	if apierrors.IsNotFound(err) {
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, err
	}
	d := cached.DeepCopy()
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil || sel.Empty() {
		return controller.Result{}, controller.TerminalError(fmt.Errorf("deployment %s: invalid selector", req))
	}
	if d.DeletionTimestamp != nil {
		return controller.Result{}, nil
	}
	rss, err := r.claim(ctx, d, sel)
	if err != nil {
		return controller.Result{}, err
	}
	surge, unavailable, err := fenceposts(maxSurgeOf(d), maxUnavailableOf(d), replicasOf(d))
	if err != nil {
		return controller.Result{}, controller.TerminalError(err)
	}
	if d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		surge, unavailable = 0, 0
	}
	newRS, olds := splitNew(d, rss)
	var p pass
	switch {
	case d.Spec.Paused || scalingEvent(d, rss):
		// A resize (or a paused Deployment) only scales; the rollout
		// goes on at the next pass, as upstream's sync, which still
		// brings the new ReplicaSet's annotations up to date.
		if newRS != nil {
			if newRS, err = r.syncRevision(ctx, d, newRS, olds); err != nil {
				return controller.Result{}, err
			}
		}
		if p.progressed, err = r.resize(ctx, d, newRS, olds, surge); err != nil {
			return controller.Result{}, err
		}
		if d.Spec.Paused {
			err = r.cleanup(ctx, d, olds)
		}
	default:
		if newRS, p, err = r.rollout(ctx, d, newRS, olds, surge, unavailable); err != nil {
			return controller.Result{}, err
		}
		err = r.cleanup(ctx, d, olds)
	}
	if err != nil {
		return controller.Result{}, err
	}
	return r.writeStatus(ctx, d, newRS, rss, unavailable, p)
}

// rollout creates the new ReplicaSet if needed and takes one step of the
// strategy.
func (r *Reconciler) rollout(ctx context.Context, d *appsv1.Deployment, newRS *appsv1.ReplicaSet, olds []*appsv1.ReplicaSet, surge, unavailable int32) (*appsv1.ReplicaSet, pass, error) {
	var p pass
	var err error
	if newRS == nil {
		if newRS, err = r.createNew(ctx, d, olds, surge); err != nil {
			return nil, p, err
		}
		p.created = true
	} else if newRS, err = r.syncRevision(ctx, d, newRS, olds); err != nil {
		return nil, p, err
	}
	if d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		p.progressed, err = r.recreate(ctx, d, newRS, olds)
	} else {
		p.progressed, err = r.rolling(ctx, d, newRS, olds, surge, unavailable)
	}
	return newRS, p, err
}

// writeStatus writes status and conditions when they changed, and polls
// for the progress deadline while a rollout is under way.
func (r *Reconciler) writeStatus(ctx context.Context, d *appsv1.Deployment, newRS *appsv1.ReplicaSet, rss []*appsv1.ReplicaSet, unavailable int32, p pass) (controller.Result, error) {
	st := counts(d, newRS, rss)
	st.Conditions = conditions(d, st, newRS, unavailable, p.created, p.progressed, r.now())
	var res controller.Result
	if !complete(d, st) && !d.Spec.Paused {
		res.RequeueAfter = 10 * time.Second
	}
	if apiequality.Semantic.DeepEqual(d.Status, st) {
		return res, nil
	}
	d.Status = st
	if _, err := r.client.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return controller.Result{}, err
	}
	return res, nil
}

// claim returns the ReplicaSets d controls, adopting orphans its selector
// matches and releasing those it no longer matches.
func (r *Reconciler) claim(ctx context.Context, d *appsv1.Deployment, sel labels.Selector) ([]*appsv1.ReplicaSet, error) {
	all, err := r.rsets.ReplicaSets(d.Namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	var out []*appsv1.ReplicaSet
	for _, rs := range all {
		ref := metav1.GetControllerOfNoCopy(rs)
		matches := sel.Matches(labels.Set(rs.Labels))
		switch {
		case ref != nil && ref.UID != d.UID:
		case ref != nil && matches:
			out = append(out, rs)
		case ref != nil:
			c := rs.DeepCopy()
			c.OwnerReferences = nil
			for _, o := range rs.OwnerReferences {
				if o.UID != d.UID {
					c.OwnerReferences = append(c.OwnerReferences, o)
				}
			}
			if _, err := r.client.AppsV1().ReplicaSets(c.Namespace).Update(ctx, c, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
				return nil, err
			}
		case matches && rs.DeletionTimestamp == nil:
			c := rs.DeepCopy()
			c.OwnerReferences = append(c.OwnerReferences, *metav1.NewControllerRef(d, kind))
			got, err := r.client.AppsV1().ReplicaSets(c.Namespace).Update(ctx, c, metav1.UpdateOptions{})
			if err != nil && !apierrors.IsNotFound(err) {
				return nil, err
			}
			if err == nil {
				out = append(out, got)
			}
		}
	}
	return out, nil
}
