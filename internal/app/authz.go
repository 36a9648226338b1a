package app

import (
	"context"
	"fmt"
	"log/slog"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/skiff-dev/skiff/internal/apiserver/auth/rbac"
)

// startAuthorization writes the default RBAC policy through the in-process
// client, then starts the authorizer's informers and the clusterrole
// aggregation controller. It returns once the authorizer decides from
// synced caches; stop ends the informers and the controller and waits.
func startAuthorization(ctx context.Context, loopback *rest.Config, az *rbac.Authorizer, log *slog.Logger) (func(), error) {
	cs, err := kubernetes.NewForConfig(loopback)
	if err != nil {
		return nil, err
	}
	if err := rbac.EnsurePolicy(ctx, cs); err != nil {
		return nil, fmt.Errorf("default policy: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	f := informers.NewSharedInformerFactory(cs, 0)
	stop := func() {
		cancel()
		f.Shutdown()
	}
	agg, err := rbac.NewAggregator(cs, f, log)
	if err != nil {
		stop()
		return nil, err
	}
	if err := az.Start(ctx, f); err != nil {
		stop()
		return nil, err
	}
	aggDone := make(chan struct{})
	go func() {
		defer close(aggDone)
		agg.Run(ctx)
	}()
	return func() { stop(); <-aggDone }, nil
}
