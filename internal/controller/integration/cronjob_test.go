package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"

	"github.com/skiff-dev/skiff/internal/runtime/sim"
)

func newCronJob(name, schedule string) *batchv1.CronJob {
	return &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: batchv1.CronJobSpec{
			Schedule: schedule,
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{sim.ExitAfterAnnotation: "200ms"}},
				Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
					Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
			}}},
		},
	}
}

// pretendLastRun writes status.lastScheduleTime ago, so the controller
// sees missed ticks at once instead of waiting for the next minute.
func pretendLastRun(t *testing.T, ns, name string, ago time.Duration) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cj, err := cs.BatchV1().CronJobs(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		cj.Status.LastScheduleTime = ptr.To(metav1.NewTime(time.Now().Add(-ago).Truncate(time.Minute)))
		_, err = cs.BatchV1().CronJobs(ns).UpdateStatus(context.Background(), cj, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatalf("set lastScheduleTime of %s: %v", name, err)
	}
}

// TestCronJobRunsMissedTick: a CronJob that missed ticks starts the Job
// of the most recent one, named after it and annotated with it, tracks it
// in status.active until it completes, then records lastSuccessfulTime.
func TestCronJobRunsMissedTick(t *testing.T) {
	ctx := context.Background()
	startHollowNodes(t, "cron-m-", 1)
	ns := newNamespace(t, "cron-missed")
	cj := newCronJob("tick", "*/1 * * * *")
	cj.Spec.TimeZone = ptr.To("Europe/Paris")
	if _, err := cs.BatchV1().CronJobs(ns).Create(ctx, cj, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pretendLastRun(t, ns, "tick", 3*time.Minute)
	var job *batchv1.Job
	eventually(t, "a job of the latest tick", func(ctx context.Context) (bool, string, error) {
		list, err := cs.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{})
		if err != nil || len(list.Items) == 0 {
			return false, "no job", err
		}
		job = &list.Items[0]
		return true, "", nil
	})
	var last *metav1.Time
	eventually(t, "the job in status.active", func(ctx context.Context) (bool, string, error) {
		cj, err := cs.BatchV1().CronJobs(ns).Get(ctx, "tick", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		last = cj.Status.LastScheduleTime
		for _, ref := range cj.Status.Active {
			if ref.Name == job.Name {
				return true, "", nil
			}
		}
		return cj.Status.LastSuccessfulTime != nil, fmt.Sprintf("status %+v", cj.Status), nil
	})
	if last == nil {
		t.Fatalf("lastScheduleTime unset after starting %s", job.Name)
	}
	if want := fmt.Sprintf("tick-%d", last.Unix()/60); job.Name != want {
		t.Errorf("job name = %s; want %s", job.Name, want)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	if got, want := job.Annotations[batchv1.CronJobScheduledTimestampAnnotation], last.In(paris).Format(time.RFC3339); got != want {
		t.Errorf("scheduled timestamp = %q; want %q", got, want)
	}
	if ref := metav1.GetControllerOf(job); ref == nil || ref.Kind != "CronJob" || ref.Name != "tick" {
		t.Errorf("job controller = %+v; want CronJob tick", ref)
	}
	eventually(t, "job completes and leaves active", func(ctx context.Context) (bool, string, error) {
		cj, err := cs.BatchV1().CronJobs(ns).Get(ctx, "tick", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return len(cj.Status.Active) == 0 && cj.Status.LastSuccessfulTime != nil, fmt.Sprintf("status %+v", cj.Status), nil
	})
	waitEvents(t, ns, "tick", "SuccessfulCreate", "SawCompletedJob")
}

// TestCronJobSuspended: a suspended CronJob starts nothing however many
// ticks it missed.
func TestCronJobSuspended(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "cron-suspended")
	cj := newCronJob("idle", "@hourly")
	cj.Spec.Suspend = ptr.To(true)
	if _, err := cs.BatchV1().CronJobs(ns).Create(ctx, cj, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pretendLastRun(t, ns, "idle", 5*time.Hour)
	// A second CronJob, not suspended, in the same namespace shows the
	// controller has had its pass.
	if _, err := cs.BatchV1().CronJobs(ns).Create(ctx, newCronJob("busy", "@hourly"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pretendLastRun(t, ns, "busy", 5*time.Hour)
	eventually(t, "busy starts a job", func(ctx context.Context) (bool, string, error) {
		cj, err := cs.BatchV1().CronJobs(ns).Get(ctx, "busy", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return len(cj.Status.Active) == 1, fmt.Sprintf("status %+v", cj.Status), nil
	})
	list, err := cs.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range list.Items {
		if ref := metav1.GetControllerOf(&j); ref != nil && ref.Name == "idle" {
			t.Errorf("suspended cronjob started %s", j.Name)
		}
	}
}

// TestCronJobRejectsCronTZ: the zone goes in spec.timeZone; a TZ or
// CRON_TZ prefix in the schedule is invalid, as upstream validates it.
func TestCronJobRejectsCronTZ(t *testing.T) {
	ns := newNamespace(t, "cron-tz")
	tests := []struct {
		name, schedule string
		tz             *string
		wantMsg        string
	}{
		{name: "cron-tz", schedule: "CRON_TZ=UTC 0 * * * *", wantMsg: "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"},
		{name: "tz-and-field", schedule: "TZ=UTC 0 * * * *", tz: ptr.To("UTC"), wantMsg: "cannot use both timeZone field and TZ or CRON_TZ in schedule"},
		{name: "bad-zone", schedule: "0 * * * *", tz: ptr.To("Mars/Olympus"), wantMsg: "timeZone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cj := newCronJob(tt.name, tt.schedule)
			cj.Spec.TimeZone = tt.tz
			_, err := cs.BatchV1().CronJobs(ns).Create(context.Background(), cj, metav1.CreateOptions{})
			if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("create with schedule %q, timeZone %v: %v; want Invalid mentioning %q", tt.schedule, tt.tz, err, tt.wantMsg)
			}
		})
	}
}
