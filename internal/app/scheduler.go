package app

import (
	"context"
	"log/slog"
	"os"

	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/skiff-dev/skiff/internal/scheduler"
)

// startScheduler reads the scheduler configuration (a malformed file
// stops start-up), then runs the scheduler in the background while this
// server holds the leaderElection Lease (kube-system/kube-scheduler by
// default). It returns a stop function that releases the Lease and waits
// for the scheduler to end. It reads the process's shared informers, so
// its cache holds the same Pod and Node objects the controllers hold, and
// records into metrics (served on the API's /metrics).
func startScheduler(ctx context.Context, loopback *rest.Config, shared informers.SharedInformerFactory, configFile string, metrics *scheduler.Metrics, log *slog.Logger) (func(), error) {
	var conf *scheduler.Configuration
	if configFile != "" {
		c, err := scheduler.LoadConfig(configFile)
		if err != nil {
			return nil, err
		}
		conf = c
	}
	client, err := kubernetes.NewForConfig(schedulerREST(loopback, conf))
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	elector, err := scheduler.NewElector(scheduler.Config{Client: client, Configuration: conf, Informers: shared, Metrics: metrics, Logger: log.With("component", "scheduler")},
		host+"_"+string(uuid.NewUUID()))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := elector.Run(ctx); err != nil {
			log.Error("scheduler", "err", err)
		}
	}()
	return func() { cancel(); <-done }, nil
}

// schedulerREST applies the configuration's clientConnection: qps and
// burst when set (unset keeps the in-process client unthrottled, as every
// in-process component), and the content types.
func schedulerREST(loopback *rest.Config, conf *scheduler.Configuration) *rest.Config {
	cfg := rest.CopyConfig(loopback)
	if conf == nil || conf.ClientConnection == nil {
		return cfg
	}
	cc := conf.ClientConnection
	if cc.QPS != nil || cc.Burst != nil {
		// Either one turns rate limiting on; the other takes upstream's
		// default (qps 50, burst 100). qps 0 keeps it off.
		cfg.QPS, cfg.Burst = 50, 100
		if cc.QPS != nil {
			cfg.QPS = *cc.QPS
		}
		if cc.Burst != nil {
			cfg.Burst = int(*cc.Burst)
		}
		if cfg.QPS == 0 {
			cfg.QPS, cfg.Burst = -1, -1
		}
	}
	if cc.ContentType != "" {
		cfg.ContentType = cc.ContentType
	}
	if cc.AcceptContentTypes != "" {
		cfg.AcceptContentTypes = cc.AcceptContentTypes
	}
	return cfg
}
