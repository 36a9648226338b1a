package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// Request names the object to reconcile. It carries identity only: it does
// not say which event caused it or whether the object still exists.
type Request struct {
	Namespace string
	Name      string
}

// String is "namespace/name", or "name" for cluster-scoped objects.
func (r Request) String() string {
	if r.Namespace == "" {
		return r.Name
	}
	return r.Namespace + "/" + r.Name
}

// Result tells the loop what to do with a key reconciled without error.
type Result struct {
	// Requeue asks for another pass after the rate limiter's delay.
	Requeue bool
	// RequeueAfter, when positive, asks for another pass after this delay.
	RequeueAfter time.Duration
}

// Reconciler drives the object a Request names towards its desired state.
// Reconcile is called from several workers at once, never twice at once
// for the same Request.
type Reconciler interface {
	Reconcile(ctx context.Context, req Request) (Result, error)
}

// Func adapts a plain function to a Reconciler.
type Func func(ctx context.Context, req Request) (Result, error)

// Reconcile calls f.
func (f Func) Reconcile(ctx context.Context, req Request) (Result, error) { return f(ctx, req) }

var _ Reconciler = Func(nil)

type terminalError struct{ err error }

func (e *terminalError) Error() string { return "terminal error: " + e.err.Error() }
func (e *terminalError) Unwrap() error { return e.err }

// TerminalError wraps err so that the loop logs it and does not retry the
// key: retrying cannot help until the object changes.
func TerminalError(err error) error {
	if err == nil {
		return nil
	}
	return &terminalError{err: err}
}

// IsTerminal reports whether err wraps a TerminalError.
func IsTerminal(err error) bool {
	var t *terminalError
	return errors.As(err, &t)
}

// Config is what a Controller needs.
type Config struct {
	// Name names the controller in logs and the queue.
	Name string
	// Reconciler is called for every key; required.
	Reconciler Reconciler
	// Workers is how many keys are reconciled at once; 1 when zero.
	Workers int
	// Synced are the caches the reconciler reads; Run waits for them
	// before it starts any worker.
	Synced []cache.InformerSynced
	// RateLimiter decides the back-off of failing keys; per-key exponential
	// from 5 ms to 1000 s (client-go's default controller limiter) when nil.
	RateLimiter workqueue.TypedRateLimiter[Request]
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

func (c *Config) validate() error {
	if c.Name == "" {
		return errors.New("controller: name is required")
	}
	if c.Reconciler == nil {
		return fmt.Errorf("controller %s: reconciler is required", c.Name)
	}
	if c.Workers <= 0 {
		c.Workers = 1
	}
	if c.RateLimiter == nil {
		c.RateLimiter = workqueue.DefaultTypedControllerRateLimiter[Request]()
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	c.Logger = c.Logger.With("controller", c.Name)
	return nil
}

// Controller is one reconcile loop: a work queue of Requests and the
// workers that drain it. Its methods are safe for concurrent use.
type Controller struct {
	cfg   Config
	queue workqueue.TypedRateLimitingInterface[Request]
}

// New returns a Controller; it panics on a Config without a Name or a
// Reconciler, which is a programming error.
func New(cfg Config) *Controller {
	if err := cfg.validate(); err != nil {
		panic(err)
	}
	q := workqueue.NewTypedRateLimitingQueueWithConfig(cfg.RateLimiter,
		workqueue.TypedRateLimitingQueueConfig[Request]{Name: cfg.Name})
	return &Controller{cfg: cfg, queue: q}
}

// Name is the controller's name.
func (c *Controller) Name() string { return c.cfg.Name }

// Enqueue adds req to the queue.
func (c *Controller) Enqueue(req Request) { c.queue.Add(req) }

// EnqueueAfter adds req to the queue after d.
func (c *Controller) EnqueueAfter(req Request, d time.Duration) { c.queue.AddAfter(req, d) }

// Len is the number of keys waiting (for tests and metrics).
func (c *Controller) Len() int { return c.queue.Len() }

// syncPoll is how often WaitSynced checks the caches.
const syncPoll = 10 * time.Millisecond

// WaitSynced waits until every one of synced reports its cache synced,
// checking every syncPoll; false if ctx ends first. client-go's
// WaitForCacheSync checks every 100 ms, which held each controller back
// by up to that at start-up.
func WaitSynced(ctx context.Context, synced ...cache.InformerSynced) bool {
	err := wait.PollUntilContextCancel(ctx, syncPoll, true, func(context.Context) (bool, error) {
		for _, s := range synced {
			if !s() {
				return false, nil
			}
		}
		return true, nil
	})
	return err == nil
}

// Run waits for the caches to sync, starts the workers and blocks until ctx
// is done; then it shuts the queue down and waits for the workers. It
// returns an error only if the caches never synced.
func (c *Controller) Run(ctx context.Context) error {
	defer c.queue.ShutDown()
	if !WaitSynced(ctx, c.cfg.Synced...) {
		return fmt.Errorf("controller %s: caches did not sync: %w", c.cfg.Name, ctx.Err())
	}
	c.cfg.Logger.Debug("controller started", "workers", c.cfg.Workers)
	var wg sync.WaitGroup
	for i := 0; i < c.cfg.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c.processNext(ctx) {
			}
		}()
	}
	<-ctx.Done()
	c.queue.ShutDown()
	wg.Wait()
	return nil
}

// processNext reconciles one key; it returns false once the queue is shut
// down.
func (c *Controller) processNext(ctx context.Context) bool {
	req, shutdown := c.queue.Get()
	if shutdown {
		return false
	}
	defer c.queue.Done(req)
	res, err := c.reconcile(ctx, req)
	switch {
	case err != nil && IsTerminal(err):
		c.queue.Forget(req)
		c.cfg.Logger.Error("reconcile failed, not retrying", "key", req.String(), "err", err)
	case err != nil:
		if ctx.Err() == nil {
			c.cfg.Logger.Info("reconcile failed, retrying", "key", req.String(), "err", err,
				"retries", c.queue.NumRequeues(req))
		}
		c.queue.AddRateLimited(req)
	case res.RequeueAfter > 0:
		c.queue.Forget(req)
		c.queue.AddAfter(req, res.RequeueAfter)
	case res.Requeue:
		c.queue.AddRateLimited(req)
	default:
		c.queue.Forget(req)
	}
	return true
}

// reconcile calls the reconciler and turns a panic into an error, so one
// bad object cannot end the process.
func (c *Controller) reconcile(ctx context.Context, req Request) (res Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in reconcile: %v", r)
		}
	}()
	return c.cfg.Reconciler.Reconcile(ctx, req)
}
