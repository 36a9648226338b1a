package persistentvolume

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff-dev/skiff/internal/controller"
)

// Component is the event source upstream's binder uses.
const Component = "persistentvolume-controller"

// Config is what the controller needs.
type Config struct {
	Client  kubernetes.Interface
	Factory informers.SharedInformerFactory
	// Workers is how many volumes and claims the binder syncs at once; 1
	// when zero, as upstream (more workers may choose one volume for two
	// claims: the later write conflicts and its claim is retried).
	Workers int
	// Now stamps status.lastPhaseTransitionTime; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
}

func (c *Config) validate() error {
	if c.Client == nil || c.Factory == nil {
		return errors.New("persistentvolume: client and informer factory are required")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Workers <= 0 {
		c.Workers = 1
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// Controller runs the binder and the two protection loops and records the
// binder's events. Run blocks until ctx ends.
type Controller struct {
	events *controller.Events
	loops  []*controller.Controller
}

// listers is the informer state the loops read.
type listers struct {
	volumes corelisters.PersistentVolumeLister
	claims  corelisters.PersistentVolumeClaimLister
	classes storagelisters.StorageClassLister
	pods    corelisters.PodLister
}

// New registers the PersistentVolume, PersistentVolumeClaim, StorageClass
// and Pod informers the loops read and returns the controller.
func New(cfg Config) (*Controller, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	f := cfg.Factory
	pvInf, pvcInf := f.Core().V1().PersistentVolumes(), f.Core().V1().PersistentVolumeClaims()
	classInf, podInf := f.Storage().V1().StorageClasses(), f.Core().V1().Pods()
	ls := listers{volumes: pvInf.Lister(), claims: pvcInf.Lister(), classes: classInf.Lister(), pods: podInf.Lister()}
	synced := []cache.InformerSynced{pvInf.Informer().HasSynced, pvcInf.Informer().HasSynced,
		classInf.Informer().HasSynced, podInf.Informer().HasSynced}
	events := controller.NewEvents(cfg.Client, Component)

	bd := &Binder{client: cfg.Client, listers: ls, volumes: newWrittenVolumes(ls.volumes), recorder: events, now: cfg.Now}
	binder := controller.New(controller.Config{Name: "persistentvolume-binder", Reconciler: bd, Workers: cfg.Workers, Synced: synced, Logger: cfg.Logger})
	bd.enqueue = binder.Enqueue
	_, _ = controller.AddHandler(cfg.Factory, pvInf.Informer(), binder.MapHandler(bd.volumeRequests))
	_, _ = controller.AddHandler(cfg.Factory, pvcInf.Informer(), binder.MapHandler(claimRequests))
	_, _ = controller.AddHandler(cfg.Factory, classInf.Informer(), binder.MapHandler(func(metav1.Object) []controller.Request { return bd.unboundClaims() }))

	cp := &ClaimProtection{client: cfg.Client, listers: ls}
	pvcLoop := controller.New(controller.Config{Name: "pvc-protection", Reconciler: cp, Synced: synced, Logger: cfg.Logger})
	_, _ = controller.AddHandler(cfg.Factory, pvcInf.Informer(), pvcLoop.Handler())
	_, _ = controller.AddHandler(cfg.Factory, podInf.Informer(), pvcLoop.MapHandler(cp.deletingClaimsOfPod))

	vp := &VolumeProtection{client: cfg.Client, volumes: ls.volumes}
	pvLoop := controller.New(controller.Config{Name: "pv-protection", Reconciler: vp, Synced: synced, Logger: cfg.Logger})
	_, _ = controller.AddHandler(cfg.Factory, pvInf.Informer(), pvLoop.Handler())

	return &Controller{events: events, loops: []*controller.Controller{binder, pvcLoop, pvLoop}}, nil
}

// Name is "persistentvolume-binder".
func (c *Controller) Name() string { return "persistentvolume-binder" }

// Run records events and runs the three loops until ctx ends, then waits
// for them.
func (c *Controller) Run(ctx context.Context) error {
	defer c.events.Shutdown()
	errs := make([]error, len(c.loops))
	var wg sync.WaitGroup
	for i, l := range c.loops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = l.Run(ctx)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// claimRequests maps a claim to itself and to the volume it names (a
// deleted claim releases its volume).
func claimRequests(obj metav1.Object) []controller.Request {
	out := []controller.Request{{Namespace: obj.GetNamespace(), Name: obj.GetName()}}
	if c, ok := obj.(*corev1.PersistentVolumeClaim); ok && c.Spec.VolumeName != "" {
		out = append(out, controller.Request{Name: c.Spec.VolumeName})
	}
	return out
}

// volumeRequests maps a volume to itself and the claim it names; an
// Available unclaimed volume also wakes every claim still waiting.
func (b *Binder) volumeRequests(obj metav1.Object) []controller.Request {
	out := []controller.Request{{Name: obj.GetName()}}
	v, ok := obj.(*corev1.PersistentVolume)
	if !ok {
		return out
	}
	if ref := v.Spec.ClaimRef; ref != nil {
		return append(out, controller.Request{Namespace: ref.Namespace, Name: ref.Name})
	}
	if v.Status.Phase == corev1.VolumeAvailable {
		out = append(out, b.unboundClaims()...)
	}
	return out
}

// unboundClaims lists the claims whose binding has not completed.
func (b *Binder) unboundClaims() []controller.Request {
	all, err := b.listers.claims.List(labels.Everything())
	if err != nil {
		return nil
	}
	var out []controller.Request
	for _, c := range all {
		if !metav1.HasAnnotation(c.ObjectMeta, AnnBindCompleted) {
			out = append(out, controller.Request{Namespace: c.Namespace, Name: c.Name})
		}
	}
	return out
}
