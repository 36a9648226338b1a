package job

import (
	"context"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"

	"github.com/skiff-dev/skiff/internal/controller"
)

// ttlReconciler deletes finished Jobs ttlSecondsAfterFinished after they
// finished, as upstream's TTL-after-finished controller: it re-reads the
// Job from the API before deleting and deletes it in the foreground, so
// its pods go first.
type ttlReconciler struct {
	client kubernetes.Interface
	jobs   batchlisters.JobLister
	now    func() time.Time
}

var _ controller.Reconciler = (*ttlReconciler)(nil)

// expiry returns when a finished Job with a TTL expires; ok is false for
// Jobs that are not finished, have no TTL or are being deleted.
func expiry(job *batchv1.Job) (at time.Time, ok bool) {
	if job.Spec.TTLSecondsAfterFinished == nil || job.DeletionTimestamp != nil {
		return time.Time{}, false
	}
	c := finishedCondition(job)
	if c == nil {
		return time.Time{}, false
	}
	finished := c.LastTransitionTime.Time
	if job.Status.CompletionTime != nil && c.Type == batchv1.JobComplete {
		finished = job.Status.CompletionTime.Time
	}
	return finished.Add(time.Duration(*job.Spec.TTLSecondsAfterFinished) * time.Second), true
}

// Reconcile deletes the Job once expired, or asks to come back then.
func (t *ttlReconciler) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	cached, err := t.jobs.Jobs(req.Namespace).Get(req.Name)
	if apierrors.IsNotFound(err) {
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, err
	}
	at, ok := expiry(cached)
	if !ok {
		return controller.Result{}, nil
	}
	if left := at.Sub(t.now()); left > 0 {
		return controller.Result{RequeueAfter: left}, nil
	}
	// The cache may be stale (the TTL changed): decide on a fresh read.
	fresh, err := t.client.BatchV1().Jobs(req.Namespace).Get(ctx, req.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, err
	}
	if at, ok = expiry(fresh); !ok {
		return controller.Result{}, nil
	}
	if left := at.Sub(t.now()); left > 0 {
		return controller.Result{RequeueAfter: left}, nil
	}
	policy := metav1.DeletePropagationForeground
	err = t.client.BatchV1().Jobs(req.Namespace).Delete(ctx, req.Name, metav1.DeleteOptions{
		PropagationPolicy: &policy, Preconditions: &metav1.Preconditions{UID: &fresh.UID}})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return controller.Result{}, nil
	}
	return controller.Result{}, err
}
