package job

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"github.com/skiff-dev/skiff/internal/controller"
)

// burst caps the pods created or deleted in one pass, as upstream's
// MaxPodCreateDeletePerSync.
const burst = 500

// claim returns the pods job controls after adopting the orphans its
// selector matches (adding the tracking finalizer) and releasing owned
// pods it no longer matches (dropping the finalizer).
func (r *Reconciler) claim(ctx context.Context, job *batchv1.Job, all []*corev1.Pod) ([]*corev1.Pod, error) {
	sel, err := metav1.LabelSelectorAsSelector(job.Spec.Selector)
	if err != nil {
		return nil, controller.TerminalError(fmt.Errorf("job %s/%s: selector: %w", job.Namespace, job.Name, err))
	}
	var owned []*corev1.Pod
	var errs []error
	for _, p := range all {
		matches := !sel.Empty() && sel.Matches(labels.Set(p.Labels))
		ref := metav1.GetControllerOfNoCopy(p)
		switch {
		case ref != nil && ref.UID != job.UID:
		case ref != nil && matches:
			owned = append(owned, p)
		case ref != nil:
			refs := slices.DeleteFunc(slices.Clone(p.OwnerReferences), func(o metav1.OwnerReference) bool { return o.UID == job.UID })
			fins := slices.DeleteFunc(slices.Clone(p.Finalizers), func(f string) bool { return f == batchv1.JobTrackingFinalizer })
			errs = append(errs, r.patchMeta(ctx, p, map[string]any{"ownerReferences": refs, "finalizers": fins}))
		case matches && isActive(p) && job.DeletionTimestamp == nil && finishedCondition(job) == nil:
			refs := append(slices.Clone(p.OwnerReferences), *metav1.NewControllerRef(job, kind))
			fins := p.Finalizers
			if !hasFinalizer(p) {
				fins = append(slices.Clone(fins), batchv1.JobTrackingFinalizer)
			}
			err := r.patchMeta(ctx, p, map[string]any{"ownerReferences": refs, "finalizers": fins})
			if err == nil {
				owned = append(owned, p)
			}
			errs = append(errs, err)
		}
	}
	return owned, errors.Join(errs...)
}

// patchMeta merge-patches metadata fields of p, guarded by its
// resourceVersion; a pod gone meanwhile is no error.
func (r *Reconciler) patchMeta(ctx context.Context, p *corev1.Pod, meta map[string]any) error {
	meta["resourceVersion"] = p.ResourceVersion
	data, err := json.Marshal(map[string]any{"metadata": meta})
	if err != nil {
		return err
	}
	_, err = r.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.MergePatchType, data, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// removeFinalizer drops the tracking finalizer from p with a JSON patch
// guarded by a test of the list, so a concurrent change of the
// finalizers is a conflict, not a lost update.
func (r *Reconciler) removeFinalizer(ctx context.Context, p *corev1.Pod) error {
	i := slices.Index(p.Finalizers, batchv1.JobTrackingFinalizer)
	if i < 0 {
		return nil
	}
	data, err := json.Marshal([]map[string]any{
		{"op": "test", "path": fmt.Sprintf("/metadata/finalizers/%d", i), "value": batchv1.JobTrackingFinalizer},
		{"op": "remove", "path": fmt.Sprintf("/metadata/finalizers/%d", i)},
	})
	if err != nil {
		return err
	}
	_, err = r.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.JSONPatchType, data, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// removeFinalizers removes the tracking finalizer from pods at once and
// reports which removals succeeded (a pod gone counts as removed).
func (r *Reconciler) removeFinalizers(ctx context.Context, key string, pods []*corev1.Pod) ([]bool, error) {
	uids := make([]string, len(pods))
	for i, p := range pods {
		uids[i] = string(p.UID)
	}
	r.exp.expectRemoved(key, uids...)
	ok := make([]bool, len(pods))
	errs := make([]error, len(pods))
	var wg sync.WaitGroup
	for i, p := range pods {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if errs[i] = r.removeFinalizer(ctx, p); errs[i] != nil {
				r.exp.removedObserved(key, string(p.UID))
				return
			}
			ok[i] = true
		}()
	}
	wg.Wait()
	return ok, errors.Join(errs...)
}

// newPod is a pod of job from its template, with the tracking finalizer,
// controlled by job; ix decorates it for an Indexed Job.
func newPod(job *batchv1.Job, ix int, st *indexState) *corev1.Pod {
	t := job.Spec.Template
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    job.Name + "-",
			Namespace:       job.Namespace,
			Labels:          maps.Clone(t.Labels),
			Annotations:     maps.Clone(t.Annotations),
			Finalizers:      slices.Clone(t.Finalizers),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(job, kind)},
		},
		Spec: *t.Spec.DeepCopy(),
	}
	if !hasFinalizer(p) {
		p.Finalizers = append(p.Finalizers, batchv1.JobTrackingFinalizer)
	}
	if ix != noIndex {
		withIndex(job, p, ix)
		if hasPerIndexBackoff(job) {
			withFailureCounts(p, st)
		}
	}
	return p
}

// createPods creates n pods (one per index for Indexed Jobs) in
// slow-start batches 1, 2, 4, ...; after a failing batch the rest are not
// attempted. It returns how many were created.
func (r *Reconciler) createPods(ctx context.Context, job *batchv1.Job, key string, n int, indexes []int, states map[int]*indexState) (int, error) {
	r.exp.expect(key, n, 0)
	created := 0
	for size, done := 1, 0; done < n; size *= 2 {
		size = min(size, n-done)
		errs := make([]error, size)
		var wg sync.WaitGroup
		for i := range size {
			ix := noIndex
			if indexes != nil {
				ix = indexes[done+i]
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = r.createPod(ctx, job, newPod(job, ix, states[ix]))
			}()
		}
		wg.Wait()
		done += size
		var failed error
		for _, err := range errs {
			if err != nil {
				r.exp.observe(key, 1, 0)
				failed = err
			} else {
				created++
			}
		}
		if failed != nil {
			r.exp.observe(key, n-done, 0)
			return created, failed
		}
	}
	return created, nil
}

func (r *Reconciler) createPod(ctx context.Context, job *batchv1.Job, p *corev1.Pod) error {
	got, err := r.client.CoreV1().Pods(job.Namespace).Create(ctx, p, metav1.CreateOptions{})
	if err != nil {
		if !apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			r.recorder.Eventf(job, corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
		}
		return err
	}
	r.recorder.Eventf(job, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %v", got.Name)
	return nil
}

// deletePods deletes victims at once. With dropFinalizer it first removes
// their tracking finalizer, so they are never counted (suspend, surplus);
// without it they stay to be counted as failed (a finished Job). It
// returns how many deletions succeeded and how many of them were ready.
func (r *Reconciler) deletePods(ctx context.Context, job *batchv1.Job, key string, victims []*corev1.Pod, dropFinalizer bool) (deleted, ready int32, err error) {
	if dropFinalizer {
		r.exp.expect(key, 0, len(victims))
	}
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for _, p := range victims {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := r.deletePod(ctx, job, p, dropFinalizer)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && !apierrors.IsNotFound(err) {
				if dropFinalizer {
					r.exp.observe(key, 0, 1)
				}
				errs = append(errs, err)
				return
			}
			if err != nil && dropFinalizer {
				r.exp.observe(key, 0, 1)
			}
			deleted++
			if podReady(p) {
				ready++
			}
		}()
	}
	wg.Wait()
	return deleted, ready, errors.Join(errs...)
}

func (r *Reconciler) deletePod(ctx context.Context, job *batchv1.Job, p *corev1.Pod, dropFinalizer bool) error {
	if dropFinalizer {
		if err := r.removeFinalizer(ctx, p); err != nil {
			return fmt.Errorf("removing completion finalizer: %w", err)
		}
	}
	err := r.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &p.UID}})
	switch {
	case apierrors.IsNotFound(err):
		return err
	case err != nil:
		r.recorder.Eventf(job, corev1.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
		return err
	}
	r.recorder.Eventf(job, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %v", p.Name)
	return nil
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// reconcileOrphan removes the tracking finalizer from a pod whose Job is
// gone (or that no Job controls), as upstream's orphan pod worker.
func (r *Reconciler) reconcileOrphan(ctx context.Context, req controller.Request) (controller.Result, error) {
	p, err := r.pods.Pods(req.Namespace).Get(req.Name)
	if apierrors.IsNotFound(err) {
		return controller.Result{}, nil
	}
	if err != nil || !hasFinalizer(p) {
		return controller.Result{}, err
	}
	if ref := metav1.GetControllerOfNoCopy(p); ref != nil && jobOf(p) != "" {
		j, err := r.jobs.Jobs(p.Namespace).Get(ref.Name)
		if err == nil && j.UID == ref.UID && finishedCondition(j) == nil {
			return controller.Result{}, nil // the Job's own sync counts it
		}
	}
	return controller.Result{}, r.removeFinalizer(ctx, p)
}
