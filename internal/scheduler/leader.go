package scheduler

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// Elector runs the scheduler only while this process holds the
// leaderElection Lease (coordination.k8s.io, kube-system/kube-scheduler
// by default), as upstream's kube-scheduler: when several servers run,
// one schedules and the others stand by. Each term as leader runs a fresh
// Scheduler (its informers and queue do not outlive the term). With
// leaderElect false it simply schedules.
type Elector struct {
	cfg      Config
	identity string
	// scheduled counts the pods bound in finished terms.
	scheduled atomic.Int64
	mu        sync.Mutex
	current   *Scheduler
	// termMu is held for a whole term, so a new term (after the Lease
	// was lost and won again) starts only once the last one has removed
	// its handlers from shared informers and finished its bindings.
	termMu sync.Mutex
}

// NewElector validates cfg (building a scheduler once, so a bad
// configuration fails here) and returns an Elector standing as identity.
func NewElector(cfg Config, identity string) (*Elector, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if _, err := New(cfg); err != nil {
		return nil, err
	}
	if identity == "" {
		return nil, fmt.Errorf("leader election: empty identity")
	}
	return &Elector{cfg: cfg, identity: identity}, nil
}

// Run blocks until ctx ends: it stands for the Lease, schedules while it
// holds it, and stands again after losing it. On ctx's end a leader
// releases the Lease so another server takes over at once.
func (e *Elector) Run(ctx context.Context) error {
	le := e.cfg.Configuration.LeaderElection
	if le == nil || le.LeaderElect == nil || !*le.LeaderElect {
		return e.term(ctx)
	}
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: le.ResourceNamespace, Name: le.ResourceName},
		Client:     e.cfg.Client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: e.identity},
	}
	elector, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   le.Lease,
		RenewDeadline:   le.Renew,
		RetryPeriod:     le.Retry,
		ReleaseOnCancel: true,
		Name:            le.ResourceName,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(ctx context.Context) {
				e.cfg.Logger.Info("scheduler leading", "identity", e.identity)
				if err := e.term(ctx); err != nil && ctx.Err() == nil {
					e.cfg.Logger.Error("scheduler stopped", "err", err)
				}
			},
			OnStoppedLeading: func() { e.cfg.Logger.Info("scheduler lost or released the lease", "identity", e.identity) },
		},
	})
	if err != nil {
		return fmt.Errorf("leader election: %w", err)
	}
	for ctx.Err() == nil {
		elector.Run(ctx) // returns when leadership is lost
	}
	return nil
}

// term runs one fresh scheduler until ctx ends.
func (e *Elector) term(ctx context.Context) error {
	e.termMu.Lock()
	defer e.termMu.Unlock()
	s, err := New(e.cfg)
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.current = s
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		e.current = nil
		e.scheduled.Add(s.Scheduled())
		e.mu.Unlock()
	}()
	return s.Run(ctx)
}

// Leading reports whether a scheduler runs here now.
func (e *Elector) Leading() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.current != nil
}

// Scheduled is how many pods this elector's schedulers have bound.
func (e *Elector) Scheduled() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := e.scheduled.Load()
	if e.current != nil {
		n += e.current.Scheduled()
	}
	return n
}
