package cronjob

import (
	"context"
	"errors"
	"slices"
	"sort"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"github.com/skiff-dev/skiff/internal/controller"
)

// Reconcile tracks the CronJob's Jobs in status, starts the Job of the
// most recent missed tick under the concurrency policy, prunes finished
// Jobs beyond the history limits, and comes back at the next tick, as
// upstream's cronjob controller (v2).
func (r *Reconciler) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	cached, err := r.cronJobs.CronJobs(req.Namespace).Get(req.Name)
	if apierrors.IsNotFound(err) {
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, err
	}
	cj := cached.DeepCopy()
	all, err := r.jobs.Jobs(cj.Namespace).List(labels.Everything())
	if err != nil {
		return controller.Result{}, err
	}
	var owned []*batchv1.Job
	for _, j := range all {
		if ref := metav1.GetControllerOfNoCopy(j); ref != nil && ref.UID == cj.UID {
			owned = append(owned, j)
		}
	}
	if err := r.trackActive(ctx, cj, owned); err != nil {
		return controller.Result{}, err
	}
	delay, syncErr := r.sync(ctx, cj)
	cleanErr := r.cleanup(ctx, cj, owned)
	if !apiequality.Semantic.DeepEqual(cached.Status, cj.Status) {
		if _, err := r.client.BatchV1().CronJobs(cj.Namespace).UpdateStatus(ctx, cj, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return controller.Result{}, errors.Join(syncErr, cleanErr, err)
		}
	}
	if err := errors.Join(syncErr, cleanErr); err != nil {
		return controller.Result{}, err
	}
	return controller.Result{RequeueAfter: delay}, nil
}

func activeIndex(cj *batchv1.CronJob, uid types.UID) int {
	return slices.IndexFunc(cj.Status.Active, func(ref corev1.ObjectReference) bool { return ref.UID == uid })
}

// trackActive drops finished and vanished Jobs from status.active (events
// SawCompletedJob, MissingJob), notes Jobs it did not start
// (UnexpectedJob) and moves lastSuccessfulTime forward.
func (r *Reconciler) trackActive(ctx context.Context, cj *batchv1.CronJob, owned []*batchv1.Job) error {
	seen := map[types.UID]bool{}
	for _, j := range owned {
		seen[j.UID] = true
		i, done := activeIndex(cj, j.UID), finished(j)
		switch {
		case i < 0 && done == "" && r.inFreshActive(ctx, cj, j.UID):
		case i < 0 && done == "":
			r.recorder.Eventf(cj, corev1.EventTypeWarning, "UnexpectedJob", "Saw a job that the controller did not create or forgot: %s", j.Name)
		case i >= 0 && done != "":
			cj.Status.Active = slices.Delete(cj.Status.Active, i, i+1)
			r.recorder.Eventf(cj, corev1.EventTypeNormal, "SawCompletedJob", "Saw completed job: %s, condition: %v", j.Name, done)
		}
		if done == batchv1.JobComplete && j.Status.CompletionTime != nil &&
			(cj.Status.LastSuccessfulTime == nil || j.Status.CompletionTime.After(cj.Status.LastSuccessfulTime.Time)) {
			cj.Status.LastSuccessfulTime = j.Status.CompletionTime.DeepCopy()
		}
	}
	var errs []error
	for _, ref := range slices.Clone(cj.Status.Active) {
		if seen[ref.UID] {
			continue
		}
		// Not in the cache: ask the API before calling it gone.
		j, err := r.client.BatchV1().Jobs(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err) || (err == nil && j.UID != ref.UID):
			r.recorder.Eventf(cj, corev1.EventTypeNormal, "MissingJob", "Active job went missing: %v", ref.Name)
			if i := activeIndex(cj, ref.UID); i >= 0 {
				cj.Status.Active = slices.Delete(cj.Status.Active, i, i+1)
			}
		case err != nil:
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// inFreshActive re-reads the CronJob, whose cached status may lag behind
// the Jobs cache, and reports whether its active list holds uid; if so cj
// takes the fresh status.
func (r *Reconciler) inFreshActive(ctx context.Context, cj *batchv1.CronJob, uid types.UID) bool {
	fresh, err := r.client.BatchV1().CronJobs(cj.Namespace).Get(ctx, cj.Name, metav1.GetOptions{})
	if err != nil || fresh.UID != cj.UID || activeIndex(fresh, uid) < 0 {
		return false
	}
	cj.ResourceVersion, cj.Status = fresh.ResourceVersion, fresh.Status
	return true
}

// sync starts the Job of the most recent tick when due and returns the
// delay to the next tick (0: do not come back on a timer).
func (r *Reconciler) sync(ctx context.Context, cj *batchv1.CronJob) (time.Duration, error) {
	if cj.DeletionTimestamp != nil {
		return 0, nil
	}
	sched, err := schedule(cj)
	if err != nil {
		var ze *zoneError
		if errors.As(err, &ze) {
			r.recorder.Eventf(cj, corev1.EventTypeWarning, "UnknownTimeZone", "invalid timeZone: %q: %s", *cj.Spec.TimeZone, err)
		} else {
			r.recorder.Eventf(cj, corev1.EventTypeWarning, "UnparseableSchedule", "unparseable schedule: %q : %s", cj.Spec.Schedule, err)
		}
		return 0, nil // retrying cannot help until the spec changes
	}
	if cj.Spec.Suspend != nil && *cj.Spec.Suspend {
		return 0, nil
	}
	now := r.now()
	_, recent, missed, err := mostRecent(cj, now, sched, true)
	if err != nil {
		r.recorder.Eventf(cj, corev1.EventTypeWarning, "InvalidSchedule", "invalid schedule: %s : %s", cj.Spec.Schedule, err)
		return 0, nil
	}
	next := requeueDelay(cj, now, sched)
	if recent == nil {
		return next, nil
	}
	if missed > maxMissed {
		r.recorder.Eventf(cj, corev1.EventTypeWarning, "TooManyMissedTimes",
			"too many missed start times: %d. Set or decrease .spec.startingDeadlineSeconds or check clock skew", missed)
	}
	scheduled := *recent
	if d := cj.Spec.StartingDeadlineSeconds; d != nil && scheduled.Add(time.Duration(*d)*time.Second).Before(now) {
		r.recorder.Eventf(cj, corev1.EventTypeWarning, "MissSchedule", "Missed scheduled time to start a job: %s", scheduled.UTC().Format(time.RFC1123Z))
		return next, nil
	}
	name := jobName(cj, scheduled)
	if slices.ContainsFunc(cj.Status.Active, func(ref corev1.ObjectReference) bool { return ref.Name == name }) ||
		(cj.Status.LastScheduleTime != nil && cj.Status.LastScheduleTime.Time.Equal(scheduled)) {
		return next, nil
	}
	switch {
	case cj.Spec.ConcurrencyPolicy == batchv1.ForbidConcurrent && len(cj.Status.Active) > 0:
		r.recorder.Eventf(cj, corev1.EventTypeNormal, "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid")
		return next, nil
	case cj.Spec.ConcurrencyPolicy == batchv1.ReplaceConcurrent:
		for _, ref := range slices.Clone(cj.Status.Active) {
			if err := r.deleteJob(ctx, cj, ref.Name, ref.UID); err != nil {
				return 0, err
			}
			if i := activeIndex(cj, ref.UID); i >= 0 {
				cj.Status.Active = slices.Delete(cj.Status.Active, i, i+1)
			}
		}
	}
	return next, r.start(ctx, cj, scheduled)
}

// start creates the Job of a scheduled time and records it in status.
func (r *Reconciler) start(ctx context.Context, cj *batchv1.CronJob, scheduled time.Time) error {
	want, err := newJob(cj, scheduled)
	if err != nil {
		return err
	}
	got, err := r.client.BatchV1().Jobs(cj.Namespace).Create(ctx, want, metav1.CreateOptions{})
	switch {
	case apierrors.IsAlreadyExists(err):
		// Created by an earlier pass that did not record it: adopt it
		// into status if it is ours.
		existing, gerr := r.client.BatchV1().Jobs(cj.Namespace).Get(ctx, want.Name, metav1.GetOptions{})
		if gerr != nil {
			return gerr
		}
		if ref := metav1.GetControllerOfNoCopy(existing); ref == nil || ref.UID != cj.UID {
			return nil
		}
		got = existing
	case err != nil:
		if !apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			r.recorder.Eventf(cj, corev1.EventTypeWarning, "FailedCreate", "Error creating job: %v", err)
		}
		return err
	default:
		r.recorder.Eventf(cj, corev1.EventTypeNormal, "SuccessfulCreate", "Created job %v", got.Name)
	}
	if finished(got) == "" && activeIndex(cj, got.UID) < 0 {
		cj.Status.Active = append(cj.Status.Active, corev1.ObjectReference{Kind: "Job", APIVersion: "batch/v1",
			Namespace: got.Namespace, Name: got.Name, UID: got.UID, ResourceVersion: got.ResourceVersion})
	}
	t := metav1.NewTime(scheduled)
	cj.Status.LastScheduleTime = &t
	return nil
}

// deleteJob deletes a Job of cj and its pods (background propagation).
func (r *Reconciler) deleteJob(ctx context.Context, cj *batchv1.CronJob, name string, uid types.UID) error {
	policy := metav1.DeletePropagationBackground
	err := r.client.BatchV1().Jobs(cj.Namespace).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &policy,
		Preconditions: &metav1.Preconditions{UID: &uid}})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	if err != nil {
		r.recorder.Eventf(cj, corev1.EventTypeWarning, "FailedDelete", "Deleted job: %v", err)
		return err
	}
	r.recorder.Eventf(cj, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted job %v", name)
	return nil
}

// cleanup deletes the oldest finished Jobs beyond the history limits.
func (r *Reconciler) cleanup(ctx context.Context, cj *batchv1.CronJob, owned []*batchv1.Job) error {
	var ok, failed []*batchv1.Job
	for _, j := range owned {
		switch finished(j) {
		case batchv1.JobComplete:
			ok = append(ok, j)
		case batchv1.JobFailed:
			failed = append(failed, j)
		}
	}
	var errs []error
	for _, victim := range append(beyondLimit(ok, cj.Spec.SuccessfulJobsHistoryLimit), beyondLimit(failed, cj.Spec.FailedJobsHistoryLimit)...) {
		if victim.DeletionTimestamp == nil {
			errs = append(errs, r.deleteJob(ctx, cj, victim.Name, victim.UID))
		}
	}
	return errors.Join(errs...)
}

// beyondLimit returns the oldest jobs (by start time, then name) beyond
// limit; nil limit keeps all.
func beyondLimit(jobs []*batchv1.Job, limit *int32) []*batchv1.Job {
	if limit == nil || len(jobs) <= int(*limit) {
		return nil
	}
	sorted := slices.Clone(jobs)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i].Status.StartTime, sorted[j].Status.StartTime
		switch {
		case a == nil && b != nil:
			return false
		case a != nil && b == nil:
			return true
		case a != nil && !a.Equal(b):
			return a.Before(b)
		}
		return sorted[i].Name < sorted[j].Name
	})
	return sorted[:len(sorted)-int(*limit)]
}
