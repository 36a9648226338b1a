package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"

	"github.com/skiff-dev/skiff/internal/scheduler"
)

// startScheduler reads the scheduler configuration (a malformed file
// stops start-up), then runs the scheduler in the background while this
// server holds the kube-system/kube-scheduler Lease. It returns a stop
// function that waits for the scheduler to end.
func startScheduler(ctx context.Context, loopback *rest.Config, configFile string, log *slog.Logger) (func(), error) {
	var conf *scheduler.Configuration
	if configFile != "" {
		c, err := scheduler.LoadConfig(configFile)
		if err != nil {
			return nil, err
		}
		conf = c
	}
	client, err := kubernetes.NewForConfig(loopback)
	if err != nil {
		return nil, err
	}
	sched, err := scheduler.New(scheduler.Config{Client: client, Configuration: conf, Logger: log.With("component", "scheduler")})
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: "kube-system", Name: "kube-scheduler"},
		Client:     client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: host + "_" + string(uuid.NewUUID())},
	}
	elector, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   15 * time.Second,
		RenewDeadline:   10 * time.Second,
		RetryPeriod:     2 * time.Second,
		ReleaseOnCancel: true,
		Name:            "kube-scheduler",
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(ctx context.Context) {
				log.Info("scheduler leading", "identity", lock.Identity())
				if err := sched.Run(ctx); err != nil && ctx.Err() == nil {
					log.Error("scheduler stopped", "err", err)
				}
			},
			OnStoppedLeading: func() { log.Info("scheduler lost or released the lease") },
		},
	})
	if err != nil {
		return nil, fmt.Errorf("leader election: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Run returns when leadership is lost; stand again until ctx ends.
		for ctx.Err() == nil {
			elector.Run(ctx)
		}
	}()
	return func() { cancel(); <-done }, nil
}
