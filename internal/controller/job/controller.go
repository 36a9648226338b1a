package job

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/skiff-dev/skiff/internal/controller"
)

// Component is the event source upstream's job controller uses.
const Component = "job-controller"

var kind = batchv1.SchemeGroupVersion.WithKind("Job")

// Config is what the Job controllers need.
type Config struct {
	Client  kubernetes.Interface
	Factory informers.SharedInformerFactory
	// Workers defaults to 5, as upstream's --concurrent-job-syncs.
	Workers int
	// Now is the clock every decision reads (time.Now when nil).
	Now    func() time.Time
	Logger *slog.Logger
}

func (c *Config) validate() {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Workers == 0 {
		c.Workers = 5
	}
}

// Controllers runs the Job controller, the finalizer cleanup of orphan
// pods and the TTL-after-finished controller, with their events.
type Controllers struct {
	events *controller.Events
	loops  []*controller.Controller
}

// Reconciler keeps the pods and status of Jobs.
type Reconciler struct {
	client kubernetes.Interface
	jobs   batchlisters.JobLister
	jobIdx cache.Indexer
	pods   corelisters.PodLister
	// claimable reads the pods a Job controls and the orphans.
	claimable controller.ClaimablePods
	exp       *expectations
	recorder  record.EventRecorder
	now       func() time.Time
	log       *slog.Logger
}

var _ controller.Reconciler = (*Reconciler)(nil)

// New registers the Job and pod informers and returns the controllers.
func New(cfg Config) *Controllers {
	cfg.validate()
	jobInf := cfg.Factory.Batch().V1().Jobs()
	podInf := cfg.Factory.Core().V1().Pods()
	events := controller.NewEvents(cfg.Client, Component)
	r := &Reconciler{client: cfg.Client, jobs: jobInf.Lister(), jobIdx: jobInf.Informer().GetIndexer(), pods: podInf.Lister(), exp: newExpectations(cfg.Now),
		recorder: events, now: cfg.Now, log: cfg.Logger}
	r.claimable = controller.NewClaimablePods(podInf, cfg.Logger)
	synced := []cache.InformerSynced{jobInf.Informer().HasSynced, podInf.Informer().HasSynced}
	jc := controller.New(controller.Config{Name: "job", Reconciler: r, Workers: cfg.Workers, Synced: synced, Logger: cfg.Logger})
	orphans := controller.New(controller.Config{Name: "job-orphan-pod", Reconciler: controller.Func(r.reconcileOrphan),
		Synced: synced, Logger: cfg.Logger})
	ttl := &ttlReconciler{client: cfg.Client, jobs: jobInf.Lister(), now: cfg.Now}
	tc := controller.New(controller.Config{Name: "ttl-after-finished", Reconciler: ttl, Workers: cfg.Workers,
		Synced: synced[:1], Logger: cfg.Logger})
	_, _ = controller.AddHandler(cfg.Factory, jobInf.Informer(), jc.Handler())
	_, _ = controller.AddHandler(cfg.Factory, jobInf.Informer(), tc.Handler())
	_, _ = controller.AddHandler(cfg.Factory, podInf.Informer(), r.podHandler(jc, orphans))
	return &Controllers{events: events, loops: []*controller.Controller{jc, orphans, tc}}
}

// Name is "job".
func (c *Controllers) Name() string { return "job" }

// Run starts recording events and runs the loops until ctx ends.
func (c *Controllers) Run(ctx context.Context) error {
	defer c.events.Shutdown()
	var wg sync.WaitGroup
	errs := make([]error, len(c.loops))
	for i, l := range c.loops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = l.Run(ctx)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func hasFinalizer(p *corev1.Pod) bool {
	return slices.Contains(p.Finalizers, batchv1.JobTrackingFinalizer)
}

// jobOf returns the key of the Job controlling p, or "".
func jobOf(p *corev1.Pod) string {
	ref := metav1.GetControllerOfNoCopy(p)
	if ref == nil || ref.Kind != kind.Kind || ref.APIVersion != kind.GroupVersion().String() {
		return ""
	}
	return p.Namespace + "/" + ref.Name
}

func podFrom(obj any) *corev1.Pod {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	p, _ := obj.(*corev1.Pod)
	return p
}

// podHandler observes expectations, enqueues the controlling Job (or for
// an orphan every Job whose selector matches it) and sends orphan pods
// that still hold the tracking finalizer to the cleanup loop.
func (r *Reconciler) podHandler(jc, orphans *controller.Controller) cache.ResourceEventHandler {
	enqueue := func(p *corev1.Pod) {
		if key := jobOf(p); key != "" {
			ref := metav1.GetControllerOfNoCopy(p)
			jc.Enqueue(controller.Request{Namespace: p.Namespace, Name: ref.Name})
			if j, err := r.jobs.Jobs(p.Namespace).Get(ref.Name); hasFinalizer(p) && (err != nil || j.UID != ref.UID) {
				orphans.Enqueue(controller.Request{Namespace: p.Namespace, Name: p.Name})
			}
			return
		}
		if hasFinalizer(p) {
			orphans.Enqueue(controller.Request{Namespace: p.Namespace, Name: p.Name})
		}
		if p.DeletionTimestamp == nil {
			for _, req := range r.matching(p) {
				jc.Enqueue(req)
			}
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			p := podFrom(obj)
			if key := jobOf(p); key != "" && p.DeletionTimestamp == nil {
				r.exp.observe(key, 1, 0)
			}
			enqueue(p)
		},
		UpdateFunc: func(oldObj, newObj any) {
			o, n := podFrom(oldObj), podFrom(newObj)
			if key := jobOf(n); key != "" {
				if o.DeletionTimestamp == nil && n.DeletionTimestamp != nil {
					r.exp.observe(key, 0, 1)
				}
				if !hasFinalizer(n) {
					r.exp.removedObserved(key, string(n.UID))
				}
			}
			if ok := jobOf(o); ok != "" && ok != jobOf(n) {
				enqueue(o)
			}
			enqueue(n)
		},
		DeleteFunc: func(obj any) {
			p := podFrom(obj)
			if p == nil {
				return
			}
			if key := jobOf(p); key != "" {
				if p.DeletionTimestamp == nil {
					r.exp.observe(key, 0, 1)
				}
				r.exp.removedObserved(key, string(p.UID))
				jc.Enqueue(controller.Request{Namespace: p.Namespace, Name: metav1.GetControllerOfNoCopy(p).Name})
			}
		},
	}
}

// matching returns the Jobs whose selector matches an orphan pod.
func (r *Reconciler) matching(p *corev1.Pod) []controller.Request {
	return controller.SelectingOwners(r.jobIdx, p, func(j *batchv1.Job) *metav1.LabelSelector { return j.Spec.Selector })
}
