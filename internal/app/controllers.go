package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	"github.com/skiff-dev/skiff/internal/controller"
	"github.com/skiff-dev/skiff/internal/controller/cronjob"
	"github.com/skiff-dev/skiff/internal/controller/daemonset"
	"github.com/skiff-dev/skiff/internal/controller/deployment"
	"github.com/skiff-dev/skiff/internal/controller/disruption"
	"github.com/skiff-dev/skiff/internal/controller/endpoint"
	"github.com/skiff-dev/skiff/internal/controller/endpointslice"
	"github.com/skiff-dev/skiff/internal/controller/garbagecollector"
	"github.com/skiff-dev/skiff/internal/controller/job"
	"github.com/skiff-dev/skiff/internal/controller/namespace"
	"github.com/skiff-dev/skiff/internal/controller/nodeipam"
	"github.com/skiff-dev/skiff/internal/controller/nodelifecycle"
	"github.com/skiff-dev/skiff/internal/controller/persistentvolume"
	"github.com/skiff-dev/skiff/internal/controller/podautoscaler"
	"github.com/skiff-dev/skiff/internal/controller/podgc"
	"github.com/skiff-dev/skiff/internal/controller/replicaset"
	"github.com/skiff-dev/skiff/internal/controller/replicationcontroller"
	"github.com/skiff-dev/skiff/internal/controller/resourcequota"
	"github.com/skiff-dev/skiff/internal/controller/statefulset"
)

// runnable is a controller as the server runs it: Run blocks until ctx
// ends and waits for its workers.
type runnable interface {
	Name() string
	Run(ctx context.Context) error
}

var _ runnable = (*controller.Controller)(nil)

// newControllers builds the controllers the server runs, in-process
// through loopback, on one shared informer factory. Building registers
// their event handlers, so the server builds them before it starts the
// factory's informers: handlers registered before an informer's first
// event share one registration (controller.AddHandler), where each handler
// added to a synced informer is replayed every object it holds, one
// registration each (a tenth of a second on a restart with 10,000 pods).
func newControllers(loopback *rest.Config, f processInformers, cfg ServerConfig, log *slog.Logger) ([]runnable, error) {
	cs, err := kubernetes.NewForConfig(loopback)
	if err != nil {
		return nil, err
	}
	md, err := metadata.NewForConfig(loopback)
	if err != nil {
		return nil, err
	}
	log = log.With("component", "controller-manager")
	var errs []error // from constructors that check their config
	checked := func(r runnable, err error) runnable { errs = append(errs, err); return r }

	// The controllers, in the order they start.
	controllers := []runnable{
		namespace.New(namespace.Config{Client: cs, Metadata: md, Factory: f, Logger: log}),
		replicaset.New(replicaset.Config{Client: cs, Factory: f, Logger: log}),
		replicationcontroller.New(replicationcontroller.Config{Client: cs, Factory: f, Logger: log}),
		deployment.New(deployment.Config{Client: cs, Factory: f, Logger: log}),
		statefulset.New(statefulset.Config{Client: cs, Factory: f, Logger: log}),
		daemonset.New(daemonset.Config{Client: cs, Factory: f, Logger: log}),
		job.New(job.Config{Client: cs, Factory: f, Logger: log}),
		cronjob.New(cronjob.Config{Client: cs, Factory: f, Logger: log}),
		disruption.New(disruption.Config{Client: cs, Factory: f, Logger: log}),
		garbagecollector.New(garbagecollector.Config{Metadata: md, Shared: f.Running, Discovery: cs.Discovery(), Logger: log}),
		resourcequota.New(resourcequota.Config{Client: cs, Metadata: md, Factory: f, MetadataInformer: f.Metadata, Logger: log}),
		podautoscaler.New(podautoscaler.Config{Client: cs, Factory: f, Logger: log}),
		checked(nodeipam.New(nodeipam.Config{Client: cs, Factory: f, ClusterCIDR: cfg.ClusterCIDR, NodeCIDRMaskSize: cfg.NodeCIDRMaskSize, Logger: log})),
		checked(nodelifecycle.New(nodelifecycle.Config{Client: cs, Factory: f, GracePeriod: cfg.NodeMonitorGracePeriod, Now: cfg.Now, Logger: log})),
		checked(podgc.New(podgc.Config{Client: cs, Factory: f, Threshold: cfg.TerminatedPodGCThreshold, Quarantine: cfg.NodeMonitorGracePeriod, Now: cfg.Now, Logger: log})),
		checked(endpoint.New(endpoint.Config{Client: cs, Factory: f, Logger: log})),
		checked(endpointslice.New(endpointslice.Config{Client: cs, Factory: f, Logger: log})),
		checked(persistentvolume.New(persistentvolume.Config{Client: cs, Factory: f, Now: cfg.Now, Logger: log})),
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return controllers, nil
}

// runControllers starts controllers (newControllers) and the factory and
// returns without waiting for their caches; stop ends them and waits.
func runControllers(ctx context.Context, f processInformers, controllers []runnable, log *slog.Logger) (stop func()) {
	log = log.With("component", "controller-manager")
	ctx, cancel := context.WithCancel(ctx)
	f.StartWithContext(ctx)
	var wg sync.WaitGroup
	for _, c := range controllers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error(fmt.Sprintf("controller %s stopped", c.Name()), "err", err)
			}
		}()
	}
	return func() {
		cancel()
		wg.Wait()
		f.Shutdown()
	}
}
