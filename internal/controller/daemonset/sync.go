package daemonset

import (
	"context"
	"errors"
	"fmt"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// burstReplicas caps the pods created in one pass, as upstream.
const burstReplicas = 250

// syncNodes deletes pods and creates one pod on each of createOn (in
// slow-start batches, at most burstReplicas), recording expectations and
// upstream's events.
func (r *Reconciler) syncNodes(ctx context.Context, ds *appsv1.DaemonSet, key string, victims []*corev1.Pod, createOn []string, hash string) error {
	if len(victims)+len(createOn) == 0 {
		return nil
	}
	createOn = createOn[:min(len(createOn), burstReplicas)]
	r.exp.Expect(key, len(createOn), len(victims))
	errs := []error{r.deletePods(ctx, ds, key, victims)}
	for start, size := 0, 1; start < len(createOn); start, size = start+size, size*2 {
		batch := createOn[start:min(start+size, len(createOn))]
		if err := r.createPods(ctx, ds, key, batch, hash); err != nil {
			r.exp.Observe(key, len(createOn)-start-len(batch), 0)
			errs = append(errs, err)
			break
		}
	}
	return errors.Join(errs...)
}

func (r *Reconciler) createPods(ctx context.Context, ds *appsv1.DaemonSet, key string, nodes []string, hash string) error {
	var wg sync.WaitGroup
	errs := make([]error, len(nodes))
	for i, node := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := r.client.CoreV1().Pods(ds.Namespace).Create(ctx, newPod(ds, node, hash), metav1.CreateOptions{})
			if err != nil {
				r.exp.Observe(key, 1, 0)
				r.rec.Eventf(ds, corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
				errs[i] = fmt.Errorf("create daemon pod for node %s: %w", node, err)
				return
			}
			r.rec.Eventf(ds, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %v", p.Name)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (r *Reconciler) deletePods(ctx context.Context, ds *appsv1.DaemonSet, key string, victims []*corev1.Pod) error {
	var wg sync.WaitGroup
	errs := make([]error, len(victims))
	for i, p := range victims {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := r.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &p.UID}})
			switch {
			case apierrors.IsNotFound(err) || apierrors.IsConflict(err):
				r.exp.Observe(key, 0, 1)
			case err != nil:
				r.exp.Observe(key, 0, 1)
				r.rec.Eventf(ds, corev1.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
				errs[i] = fmt.Errorf("delete pod %s: %w", p.Name, err)
			default:
				r.rec.Eventf(ds, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %v", p.Name)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
