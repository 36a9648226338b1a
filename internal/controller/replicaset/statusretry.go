package replicaset

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// UpdateStatusRetrying writes obj's status with update. When that
// conflicts (the object changed since obj was read, most often by this
// controller's own previous status write that the informer has not
// delivered yet), it reads the latest object with get, gives it obj's
// status with carry, and writes once more. This is upstream's
// updateReplicaSetStatus (statusUpdateRetries = 1); a second conflict is
// returned, and the owner is requeued.
func UpdateStatusRetrying[T any](ctx context.Context, obj T, update func(context.Context, T) error,
	get func(context.Context) (T, error), carry func(from, to T)) error {
	err := update(ctx, obj)
	if !apierrors.IsConflict(err) {
		return err
	}
	latest, gerr := get(ctx)
	if gerr != nil {
		// The status computed from the pods cannot be trusted against an
		// object we could not read; that error says more than the conflict.
		return gerr
	}
	carry(obj, latest)
	return update(ctx, latest)
}
