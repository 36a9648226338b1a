package bench

import (
	"context"
	"fmt"
	"os"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// The backlog variant of the scheduler-only run (SchedConfig.PerfBacklog)
// measures the scheduler without creates beside it: the bench takes the
// scheduler's leader Lease, so the server's scheduler stands by as a
// second server's would, creates the measured pods, and gives the Lease
// back; the scheduler takes it and schedules the whole backlog. The server
// runs with short leader election periods, so that it stands down and
// takes over within a second.
const (
	backlogSchedulerConfig = `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
leaderElection:
  leaderElect: true
  leaseDuration: 2s
  renewDeadline: 1s
  retryPeriod: 250ms
`
	// backlogStandDown is how long the bench waits, once it holds the
	// Lease, for the scheduler's renewals to fail (renewDeadline) and its
	// term to end.
	backlogStandDown = 3 * time.Second
	// backlogHolder is the identity the bench holds the Lease as.
	backlogHolder = "skiff-bench"
)

// backlogFlags writes the scheduler configuration of the backlog run and
// returns the server flags that name it, and a function removing it.
func backlogFlags() ([]string, func(), error) {
	f, err := os.CreateTemp("", "skiff-bench-scheduler-*.yaml")
	if err != nil {
		return nil, nil, fmt.Errorf("scheduler configuration: %w", err)
	}
	_, werr := f.WriteString(backlogSchedulerConfig)
	if err := f.Close(); werr != nil || err != nil {
		os.Remove(f.Name())
		return nil, nil, fmt.Errorf("scheduler configuration: %v %v", werr, err)
	}
	return []string{"--scheduler-config", f.Name()}, func() { os.Remove(f.Name()) }, nil
}

// holdSchedulerLease makes the bench the holder of kube-system/kube-scheduler
// for an hour, then waits for the server's scheduler to stand down.
func holdSchedulerLease(ctx context.Context, cs kubernetes.Interface) error {
	leases := cs.CoordinationV1().Leases("kube-system")
	for {
		l, err := leases.Get(ctx, "kube-scheduler", metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("scheduler lease: %w", err)
		}
		now := metav1.NowMicro()
		transitions := int32(1)
		if t := l.Spec.LeaseTransitions; t != nil {
			transitions = *t + 1
		}
		l.Spec = coordinationv1.LeaseSpec{
			HolderIdentity:       ptr(backlogHolder),
			LeaseDurationSeconds: ptr[int32](3600),
			AcquireTime:          &now,
			RenewTime:            &now,
			LeaseTransitions:     &transitions,
		}
		_, err = leases.Update(ctx, l, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) { // a renewal came between
			continue
		}
		if err != nil {
			return fmt.Errorf("hold the scheduler lease: %w", err)
		}
		break
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(backlogStandDown):
		return nil
	}
}

// releaseSchedulerLease deletes the Lease the bench holds; the server's
// scheduler, retrying every retryPeriod, creates it and leads again.
func releaseSchedulerLease(ctx context.Context, cs kubernetes.Interface) error {
	err := cs.CoordinationV1().Leases("kube-system").Delete(ctx, "kube-scheduler", metav1.DeleteOptions{})
	if err != nil {
		return fmt.Errorf("release the scheduler lease: %w", err)
	}
	return nil
}
