package replicaset

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// statusClient is the part of a typed client (ReplicaSetInterface,
// ReplicationControllerInterface) a status write needs.
type statusClient[T any] interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error)
	UpdateStatus(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error)
}

// UpdateStatusRetrying writes obj's status through c. When that conflicts
// (the object changed since obj was read, most often by this controller's
// own previous status write that the informer has not delivered yet), it
// reads the latest object named name, gives it obj's status with carry,
// and writes once more. This is upstream's updateReplicaSetStatus
// (statusUpdateRetries = 1); a second conflict is returned, and the owner
// is requeued.
func UpdateStatusRetrying[T any](ctx context.Context, c statusClient[T], name string, obj T, carry func(from, to T)) error {
	_, err := c.UpdateStatus(ctx, obj, metav1.UpdateOptions{})
	if !apierrors.IsConflict(err) {
		return err
	}
	latest, gerr := c.Get(ctx, name, metav1.GetOptions{})
	if gerr != nil {
		// The status computed from the pods cannot be trusted against an
		// object we could not read; that error says more than the conflict.
		return gerr
	}
	carry(obj, latest)
	_, err = c.UpdateStatus(ctx, latest, metav1.UpdateOptions{})
	return err
}
