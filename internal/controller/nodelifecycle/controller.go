package nodelifecycle

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff-dev/skiff/internal/controller"
)

// Upstream's defaults.
const (
	DefaultGracePeriod        = 40 * time.Second // --node-monitor-grace-period
	DefaultStartupGracePeriod = 60 * time.Second // --node-startup-grace-period
	DefaultEvictionQPS        = 0.1              // --node-eviction-rate
)

// Config is what the node lifecycle controller needs.
type Config struct {
	Client  kubernetes.Interface
	Factory informers.SharedInformerFactory
	// GracePeriod is how long a node may go without renewing its Lease
	// or posting status before it turns Unknown; 40 s when zero.
	GracePeriod time.Duration
	// StartupGracePeriod replaces GracePeriod for a node that never
	// posted a Ready condition; 60 s when zero.
	StartupGracePeriod time.Duration
	// EvictionQPS is how many nodes per second of a zone may get a new
	// NoExecute taint; 0.1 when zero.
	EvictionQPS float64
	// Now is the clock; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
}

func (c *Config) validate() error {
	if c.Client == nil || c.Factory == nil {
		return errors.New("nodelifecycle: client and informer factory are required")
	}
	if c.GracePeriod < 0 || c.StartupGracePeriod < 0 || c.EvictionQPS < 0 {
		return errors.New("nodelifecycle: grace periods and eviction rate must not be negative")
	}
	if c.GracePeriod == 0 {
		c.GracePeriod = DefaultGracePeriod
	}
	if c.StartupGracePeriod == 0 {
		c.StartupGracePeriod = max(DefaultStartupGracePeriod, c.GracePeriod)
	}
	if c.EvictionQPS == 0 {
		c.EvictionQPS = DefaultEvictionQPS
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// podNodeIndex indexes pods by spec.nodeName (a name of our own, so it
// cannot clash with another controller's index on the shared informer).
const podNodeIndex = "nodelifecycle.spec.nodeName"

// Controller runs the monitor and eviction loops.
type Controller struct {
	monitor, eviction *controller.Controller
	m                 *monitor
	e                 *evictor
	nodeEvents        *controller.Events
	podEvents         *controller.Events
}

// New registers the node, Lease and pod informers and returns the
// controller.
func New(cfg Config) (*Controller, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	nodes := cfg.Factory.Core().V1().Nodes()
	leases := cfg.Factory.Coordination().V1().Leases()
	pods := cfg.Factory.Core().V1().Pods()
	if err := pods.Informer().AddIndexers(cache.Indexers{podNodeIndex: func(obj any) ([]string, error) {
		if p, ok := obj.(*corev1.Pod); ok && p.Spec.NodeName != "" {
			return []string{p.Spec.NodeName}, nil
		}
		return nil, nil
	}}); err != nil {
		return nil, err
	}
	c := &Controller{nodeEvents: controller.NewEvents(cfg.Client, "node-controller"), podEvents: controller.NewEvents(cfg.Client, "taint-eviction-controller")}
	synced := []cache.InformerSynced{nodes.Informer().HasSynced, leases.Informer().HasSynced, pods.Informer().HasSynced}
	m := &monitor{
		cfg: cfg, nodes: nodes.Lister(), leases: leases.Lister(), pods: pods.Informer().GetIndexer(),
		recorder: c.nodeEvents,
		log:      cfg.Logger.With("controller", "node-lifecycle"),
		health:   map[string]*health{}, lastTaint: map[string]time.Time{},
	}
	c.m = m
	c.monitor = controller.New(controller.Config{Name: "node-lifecycle", Reconciler: m, Workers: 2, Synced: synced, Logger: cfg.Logger})
	e := &evictor{
		cfg: cfg, nodes: nodes.Lister(), pods: pods.Lister(), byNode: pods.Informer().GetIndexer(),
		recorder:  c.podEvents,
		log:       cfg.Logger.With("controller", "taint-eviction"),
		scheduled: map[string]time.Time{},
	}
	c.e = e
	c.eviction = controller.New(controller.Config{Name: "taint-eviction", Reconciler: e, Workers: 4, Synced: synced, Logger: cfg.Logger})
	for _, h := range []struct {
		inf cache.SharedIndexInformer
		fn  cache.ResourceEventHandler
	}{
		{nodes.Informer(), c.monitor.Handler()},
		{leases.Informer(), c.monitor.MapHandler(leaseToNode)},
		{nodes.Informer(), e.nodeHandler(c.eviction)},
		{pods.Informer(), e.podHandler(c.eviction)},
	} {
		if _, err := controller.AddHandler(cfg.Factory, h.inf, h.fn); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Name is "node-lifecycle".
func (c *Controller) Name() string { return "node-lifecycle" }

// Run runs both loops until ctx ends.
func (c *Controller) Run(ctx context.Context) error {
	defer c.nodeEvents.Shutdown()
	defer c.podEvents.Shutdown()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, l := range []*controller.Controller{c.monitor, c.eviction} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = l.Run(ctx)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
