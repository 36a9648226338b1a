package podautoscaler

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	autoscalinglisters "k8s.io/client-go/listers/autoscaling/v2"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/retry"

	"github.com/skiff-dev/skiff/internal/controller"
)

// SyncPeriod is how often every HPA is reconciled, as upstream's
// --horizontal-pod-autoscaler-sync-period.
const SyncPeriod = 15 * time.Second

// Config is what the HPA controller needs.
type Config struct {
	Client  kubernetes.Interface
	Factory informers.SharedInformerFactory
	// Metrics reads pod usage; by default the metrics.k8s.io/v1beta1 API
	// through Client, when discovery shows it served.
	Metrics MetricsClient
	// Workers defaults to 5.
	Workers int
	// SyncPeriod defaults to SyncPeriod.
	SyncPeriod time.Duration
	Now        func() time.Time
	Logger     *slog.Logger
}

// Controller is the HPA controller as the server runs it.
type Controller struct {
	*controller.Controller
	r *Reconciler
}

// Reconciler scales the targets of HorizontalPodAutoscalers.
type Reconciler struct {
	client   kubernetes.Interface
	hpas     autoscalinglisters.HorizontalPodAutoscalerLister
	pods     corelisters.PodLister
	metrics  MetricsClient
	recorder record.EventRecorder
	now      func() time.Time
	period   time.Duration

	mu      sync.Mutex
	history map[string]*history
}

var _ controller.Reconciler = (*Reconciler)(nil)

// New registers the HPA and pod informers and returns the controller.
func New(cfg Config) *Controller {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Workers == 0 {
		cfg.Workers = 5
	}
	if cfg.SyncPeriod == 0 {
		cfg.SyncPeriod = SyncPeriod
	}
	if cfg.Metrics == nil {
		cfg.Metrics = newRESTMetrics(cfg.Client)
	}
	hpaInf, podInf := cfg.Factory.Autoscaling().V2().HorizontalPodAutoscalers(), cfg.Factory.Core().V1().Pods()
	r := &Reconciler{client: cfg.Client, hpas: hpaInf.Lister(), pods: podInf.Lister(), metrics: cfg.Metrics,
		recorder: record.NewFakeRecorder(0), now: cfg.Now, period: cfg.SyncPeriod, history: map[string]*history{}}
	c := controller.New(controller.Config{Name: "horizontalpodautoscaler", Reconciler: r, Workers: cfg.Workers, Logger: cfg.Logger,
		Synced: []cache.InformerSynced{hpaInf.Informer().HasSynced, podInf.Informer().HasSynced}})
	_, _ = controller.AddHandler(cfg.Factory, hpaInf.Informer(), c.Handler())
	return &Controller{Controller: c, r: r}
}

// Run records events as upstream's "horizontal-pod-autoscaler" component
// while the controller runs.
func (c *Controller) Run(ctx context.Context) error {
	events := controller.NewEvents(c.r.client, "horizontal-pod-autoscaler")
	defer events.Shutdown()
	c.r.recorder = events
	return c.Controller.Run(ctx)
}

// Reconcile runs one autoscaling pass for the HPA req names.
func (r *Reconciler) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	cached, err := r.hpas.HorizontalPodAutoscalers(req.Namespace).Get(req.Name)
	if apierrors.IsNotFound(err) {
		r.mu.Lock()
		delete(r.history, req.String())
		r.mu.Unlock()
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, err
	}
	hpa := cached.DeepCopy()
	st := *hpa.Status.DeepCopy()
	st.ObservedGeneration = &hpa.Generation
	passErr := r.pass(ctx, hpa, &st)
	if err := r.writeStatus(ctx, hpa, st); err != nil {
		return controller.Result{}, err
	}
	if passErr != nil {
		return controller.Result{}, passErr
	}
	return controller.Result{RequeueAfter: r.period}, nil
}

// pass decides and applies the scale of hpa's target, filling st.
func (r *Reconciler) pass(ctx context.Context, hpa *autoscalingv2.HorizontalPodAutoscaler, st *autoscalingv2.HorizontalPodAutoscalerStatus) error {
	now := r.now()
	sc, err := r.getScale(ctx, hpa)
	if err != nil {
		r.recorder.Event(hpa, corev1.EventTypeWarning, "FailedGetScale", err.Error())
		setCondition(st, autoscalingv2.AbleToScale, corev1.ConditionFalse, "FailedGetScale", now,
			"the HPA controller was unable to get the target's current scale: %v", err)
		return err
	}
	setCondition(st, autoscalingv2.AbleToScale, corev1.ConditionTrue, "SucceededGetScale", now, "the HPA controller was able to get the target's current scale")
	current := sc.Spec.Replicas
	st.CurrentReplicas = current
	minR := int32(1)
	if hpa.Spec.MinReplicas != nil {
		minR = *hpa.Spec.MinReplicas
	}
	var desired int32
	var reason string
	switch {
	case current == 0 && minR != 0:
		st.DesiredReplicas = 0
		setCondition(st, autoscalingv2.ScalingActive, corev1.ConditionFalse, "ScalingDisabled", now,
			"scaling is disabled since the replica count of the target is zero")
		return nil
	case current > hpa.Spec.MaxReplicas:
		desired, reason = hpa.Spec.MaxReplicas, "Current number of replicas above Spec.MaxReplicas"
	case current < minR:
		desired, reason = minR, "Current number of replicas below Spec.MinReplicas"
	default:
		proposal, metricName, err := r.computeMetrics(ctx, hpa, sc, st, now)
		if err != nil {
			st.DesiredReplicas = current
			return err
		}
		reason = "All metrics below target"
		if proposal > current {
			reason = metricName + " above target"
		}
		desired = r.normalize(hpa, st, limits{current: current, desired: proposal, min: minR, max: hpa.Spec.MaxReplicas}, now)
	}
	st.DesiredReplicas = desired
	if desired == current {
		return nil
	}
	return r.rescale(ctx, hpa, st, sc, desired, reason, now)
}

// normalize stabilizes and rate-limits a proposal, setting AbleToScale and
// ScalingLimited as upstream.
func (r *Reconciler) normalize(hpa *autoscalingv2.HorizontalPodAutoscaler, st *autoscalingv2.HorizontalPodAutoscalerStatus, l limits, now time.Time) int32 {
	l.up, l.down = withDefaults(hpa.Spec.Behavior)
	h := r.historyOf(hpa)
	r.mu.Lock()
	defer r.mu.Unlock()
	stabilized, reason, msg := stabilize(h, l, now)
	if stabilized != l.desired {
		setCondition(st, autoscalingv2.AbleToScale, corev1.ConditionTrue, reason, now, "%s", msg)
	} else {
		setCondition(st, autoscalingv2.AbleToScale, corev1.ConditionTrue, "ReadyForNewScale", now, "recommended size matches current size")
	}
	l.desired = stabilized
	limited, reason, msg := limitRate(h, l, now)
	status := corev1.ConditionTrue
	if limited == stabilized {
		status = corev1.ConditionFalse
	}
	setCondition(st, autoscalingv2.ScalingLimited, status, reason, now, "%s", msg)
	return limited
}

// rescale writes desired to the target's scale subresource.
func (r *Reconciler) rescale(ctx context.Context, hpa *autoscalingv2.HorizontalPodAutoscaler, st *autoscalingv2.HorizontalPodAutoscalerStatus,
	sc *autoscalingv1.Scale, desired int32, reason string, now time.Time) error {
	current := sc.Spec.Replicas
	sc.Spec.Replicas = desired
	if err := r.updateScale(ctx, hpa, sc); err != nil {
		r.recorder.Eventf(hpa, corev1.EventTypeWarning, "FailedRescale", "New size: %d; reason: %s; error: %v", desired, reason, err)
		setCondition(st, autoscalingv2.AbleToScale, corev1.ConditionFalse, "FailedUpdateScale", now,
			"the HPA controller was unable to update the target scale: %v", err)
		return err
	}
	setCondition(st, autoscalingv2.AbleToScale, corev1.ConditionTrue, "SucceededRescale", now,
		"the HPA controller was able to update the target scale to %d", desired)
	r.recorder.Eventf(hpa, corev1.EventTypeNormal, "SuccessfulRescale", "New size: %d; reason: %s", desired, reason)
	up, down := withDefaults(hpa.Spec.Behavior)
	h := r.historyOf(hpa)
	r.mu.Lock()
	h.record(current, desired, now, up, down)
	r.mu.Unlock()
	t := metav1.NewTime(now.Truncate(time.Second))
	st.LastScaleTime = &t
	return nil
}

func (r *Reconciler) historyOf(hpa *autoscalingv2.HorizontalPodAutoscaler) *history {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := hpa.Namespace + "/" + hpa.Name
	h, ok := r.history[key]
	if !ok {
		h = &history{}
		r.history[key] = h
	}
	return h
}

// writeStatus updates the status when it changed. The status is the
// controller's alone, so a conflict (a cached HPA older than the last
// write) is retried on a fresh read rather than dropped: dropping it would
// lose the lastScaleTime of a rescale that already happened. st was built
// on the cached status, so a lastScaleTime this pass did not set is taken
// from the fresh read, never from the stale cache.
func (r *Reconciler) writeStatus(ctx context.Context, hpa *autoscalingv2.HorizontalPodAutoscaler, st autoscalingv2.HorizontalPodAutoscalerStatus) error {
	if apiequality.Semantic.DeepEqual(hpa.Status, st) {
		return nil
	}
	rescaled := !apiequality.Semantic.DeepEqual(hpa.Status.LastScaleTime, st.LastScaleTime)
	hpas := r.client.AutoscalingV2().HorizontalPodAutoscalers(hpa.Namespace)
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if !rescaled {
			st.LastScaleTime = hpa.Status.LastScaleTime
		}
		hpa.Status = st
		_, err := hpas.UpdateStatus(ctx, hpa, metav1.UpdateOptions{})
		if !apierrors.IsConflict(err) {
			return err
		}
		fresh, getErr := hpas.Get(ctx, hpa.Name, metav1.GetOptions{})
		if getErr != nil {
			return getErr
		}
		hpa = fresh
		return err
	})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// errUnknownTarget is the error for a scaleTargetRef no scale subresource
// serves.
func errUnknownTarget(ref autoscalingv2.CrossVersionObjectReference) error {
	return fmt.Errorf("no matches for kind %q in version %q", ref.Kind, ref.APIVersion)
}
