package cronjob

import (
	"context"
	"log/slog"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/skiff-dev/skiff/internal/controller"
)

// Component is the event source upstream's CronJob controller uses.
const Component = "cronjob-controller"

// Config is what the CronJob controller needs.
type Config struct {
	Client  kubernetes.Interface
	Factory informers.SharedInformerFactory
	// Workers defaults to 5, as upstream's --concurrent-cron-job-syncs.
	Workers int
	// Now is the clock schedules are read against (time.Now when nil).
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

// Controller runs the CronJob reconcile loop and its events.
type Controller struct {
	events *controller.Events
	loop   *controller.Controller
}

// Reconciler starts the Jobs of CronJobs on schedule.
type Reconciler struct {
	client   kubernetes.Interface
	cronJobs batchlisters.CronJobLister
	jobs     batchlisters.JobLister
	recorder record.EventRecorder
	now      func() time.Time
	log      *slog.Logger
}

var _ controller.Reconciler = (*Reconciler)(nil)

// New registers the CronJob and Job informers and returns the controller.
func New(cfg Config) *Controller {
	cfg.validate()
	cjInf := cfg.Factory.Batch().V1().CronJobs()
	jobInf := cfg.Factory.Batch().V1().Jobs()
	events := controller.NewEvents(cfg.Client, Component)
	r := &Reconciler{client: cfg.Client, cronJobs: cjInf.Lister(), jobs: jobInf.Lister(),
		recorder: events, now: cfg.Now, log: cfg.Logger}
	c := controller.New(controller.Config{Name: "cronjob", Reconciler: r, Workers: cfg.Workers, Logger: cfg.Logger,
		Synced: []cache.InformerSynced{cjInf.Informer().HasSynced, jobInf.Informer().HasSynced}})
	_, _ = controller.AddHandler(cfg.Factory, cjInf.Informer(), c.Handler())
	_, _ = controller.AddHandler(cfg.Factory, jobInf.Informer(), c.MapHandler(func(obj metav1.Object) []controller.Request {
		ref := metav1.GetControllerOfNoCopy(obj)
		if ref == nil || ref.Kind != kind.Kind || ref.APIVersion != kind.GroupVersion().String() {
			return nil
		}
		return []controller.Request{{Namespace: obj.GetNamespace(), Name: ref.Name}}
	}))
	return &Controller{events: events, loop: c}
}

// Name is "cronjob".
func (c *Controller) Name() string { return "cronjob" }

// Run records events and runs the loop until ctx ends.
func (c *Controller) Run(ctx context.Context) error {
	defer c.events.Shutdown()
	return c.loop.Run(ctx)
}

// finished returns the Job's True Complete or Failed condition type, or "".
func finished(j *batchv1.Job) batchv1.JobConditionType {
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return c.Type
		}
	}
	return ""
}
