package printers

import (
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	batchv1beta1 "k8s.io/api/batch/v1beta1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

func jobPrinter() *Printer {
	cols := columns(
		[]metav1.TableColumnDefinition{
			nameColumn(),
			column("Status", "string", "Status of the job."),
			column("Completions", "string", batchv1.JobStatus{}.SwaggerDoc()["succeeded"]),
			column("Duration", "string", "Time required to complete the job."),
			ageColumn(),
		},
		containerColumns(),
		[]metav1.TableColumnDefinition{wideColumn("Selector", "string", batchv1.JobSpec{}.SwaggerDoc()["selector"])},
	)
	return typed(cols, jobRow)
}

func jobRow(job *batchv1.Job, now time.Time) []interface{} {
	names, images := containerCells(job.Spec.Template.Spec.Containers)
	return []interface{}{
		job.Name,
		jobStatus(job),
		jobCompletions(job),
		jobDuration(job, now),
		age(job.CreationTimestamp, now),
		names, images, metav1.FormatLabelSelector(job.Spec.Selector),
	}
}

// jobCompletions is "succeeded/completions", or for a job without a
// completion count "succeeded/1" ("succeeded/1 of parallelism" when more
// than one pod runs at a time).
func jobCompletions(job *batchv1.Job) string {
	if job.Spec.Completions != nil {
		return fmt.Sprintf("%d/%d", job.Status.Succeeded, *job.Spec.Completions)
	}
	if p := int32Value(job.Spec.Parallelism); p > 1 {
		return fmt.Sprintf("%d/1 of %d", job.Status.Succeeded, p)
	}
	return fmt.Sprintf("%d/1", job.Status.Succeeded)
}

// jobDuration is empty before the job starts, the time since it started
// while it runs, and its run time once complete.
func jobDuration(job *batchv1.Job, now time.Time) string {
	switch {
	case job.Status.StartTime == nil:
		return ""
	case job.Status.CompletionTime == nil:
		return duration.HumanDuration(now.Sub(job.Status.StartTime.Time))
	default:
		return duration.HumanDuration(job.Status.CompletionTime.Sub(job.Status.StartTime.Time))
	}
}

func jobStatus(job *batchv1.Job) string {
	switch {
	case hasJobCondition(job, batchv1.JobComplete):
		return "Complete"
	case hasJobCondition(job, batchv1.JobFailed):
		return "Failed"
	case job.DeletionTimestamp != nil:
		return "Terminating"
	case hasJobCondition(job, batchv1.JobSuspended):
		return "Suspended"
	case hasJobCondition(job, batchv1.JobFailureTarget):
		return "FailureTarget"
	}
	return "Running"
}

// hasJobCondition reports whether the first condition of type t is true.
func hasJobCondition(job *batchv1.Job, t batchv1.JobConditionType) bool {
	for _, c := range job.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func cronJobPrinter() *Printer {
	spec := batchv1beta1.CronJobSpec{}.SwaggerDoc()
	status := batchv1beta1.CronJobStatus{}.SwaggerDoc()
	cols := columns(
		[]metav1.TableColumnDefinition{
			nameColumn(),
			column("Schedule", "string", spec["schedule"]),
			column("Timezone", "string", spec["timeZone"]),
			column("Suspend", "boolean", spec["suspend"]),
			column("Active", "integer", status["active"]),
			column("Last Schedule", "string", status["lastScheduleTime"]),
			ageColumn(),
		},
		containerColumns(),
		[]metav1.TableColumnDefinition{wideColumn("Selector", "string", batchv1.JobSpec{}.SwaggerDoc()["selector"])},
	)
	return typed(cols, func(cj *batchv1.CronJob, now time.Time) []interface{} {
		lastSchedule := "<none>"
		if cj.Status.LastScheduleTime != nil {
			lastSchedule = age(*cj.Status.LastScheduleTime, now)
		}
		template := cj.Spec.JobTemplate.Spec
		names, images := containerCells(template.Template.Spec.Containers)
		return []interface{}{
			cj.Name,
			cj.Spec.Schedule,
			stringPtrOr(cj.Spec.TimeZone, "<none>"),
			boolPtrString(cj.Spec.Suspend),
			int64(len(cj.Status.Active)),
			lastSchedule,
			age(cj.CreationTimestamp, now),
			names, images, metav1.FormatLabelSelector(template.Selector),
		}
	})
}
