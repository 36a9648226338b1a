package cronjob

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/ptr"

	"github.com/skiff-dev/skiff/internal/controller"
)

// TestReconcile drives one pass against a fake clientset whose objects
// also fill the listers, at 10:05:10 for a CronJob created at 10:00:30
// that runs every 5 minutes.
func TestReconcile(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 5, 10, 0, time.UTC)
	running := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "tick-old", Namespace: "ns", UID: "old",
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "CronJob", Name: "tick", UID: "u", Controller: ptr.To(true)}}}}
	withActive := func(cj *batchv1.CronJob) {
		cj.Status.Active = []corev1.ObjectReference{{Kind: "Job", Namespace: "ns", Name: "tick-old", UID: "old"}}
	}
	tests := []struct {
		name        string
		mutate      func(*batchv1.CronJob)
		jobs        []runtime.Object
		wantCreated bool
		wantDeleted []string
		wantEvent   string
		wantActive  int
	}{
		{name: "allow starts the due job", mutate: nil, wantCreated: true, wantEvent: "SuccessfulCreate", wantActive: 1},
		{name: "allow runs beside an active job", mutate: withActive, jobs: []runtime.Object{running}, wantCreated: true, wantActive: 2},
		{name: "forbid waits for the active job", mutate: func(cj *batchv1.CronJob) {
			withActive(cj)
			cj.Spec.ConcurrencyPolicy = batchv1.ForbidConcurrent
		}, jobs: []runtime.Object{running}, wantEvent: "JobAlreadyActive", wantActive: 1},
		{name: "replace deletes the active job", mutate: func(cj *batchv1.CronJob) {
			withActive(cj)
			cj.Spec.ConcurrencyPolicy = batchv1.ReplaceConcurrent
		}, jobs: []runtime.Object{running}, wantCreated: true, wantDeleted: []string{"tick-old"}, wantEvent: "SuccessfulDelete", wantActive: 1},
		{name: "tick older than the starting deadline is skipped", mutate: func(cj *batchv1.CronJob) {
			cj.Spec.StartingDeadlineSeconds = ptr.To[int64](5)
		}},
		{name: "tick within the starting deadline starts", mutate: func(cj *batchv1.CronJob) {
			cj.Spec.StartingDeadlineSeconds = ptr.To[int64](60)
		}, wantCreated: true, wantActive: 1},
		{name: "too many missed ticks still starts the latest", mutate: func(cj *batchv1.CronJob) {
			cj.Status.LastScheduleTime = ptr.To(metav1.NewTime(now.Add(-10 * time.Hour).Truncate(time.Minute)))
		}, wantCreated: true, wantEvent: "TooManyMissedTimes", wantActive: 1},
		{name: "suspended", mutate: func(cj *batchv1.CronJob) { cj.Spec.Suspend = ptr.To(true) }},
		{name: "unparseable schedule", mutate: func(cj *batchv1.CronJob) { cj.Spec.Schedule = "whenever" }, wantEvent: "UnparseableSchedule"},
		{name: "finished job leaves active", mutate: func(cj *batchv1.CronJob) {
			withActive(cj)
			cj.Status.LastScheduleTime = ptr.To(metav1.NewTime(time.Date(2026, 3, 1, 10, 5, 0, 0, time.UTC)))
		}, jobs: []runtime.Object{func() *batchv1.Job {
			j := running.DeepCopy()
			j.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}
			return j
		}()}, wantEvent: "SawCompletedJob"},
		{name: "history limit prunes", mutate: func(cj *batchv1.CronJob) {
			cj.Status.LastScheduleTime = ptr.To(metav1.NewTime(time.Date(2026, 3, 1, 10, 5, 0, 0, time.UTC)))
			cj.Spec.FailedJobsHistoryLimit = ptr.To[int32](0)
		}, jobs: []runtime.Object{func() *batchv1.Job {
			j := running.DeepCopy()
			j.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobFailed, Status: corev1.ConditionTrue}}
			return j
		}()}, wantDeleted: []string{"tick-old"}, wantEvent: "SuccessfulDelete"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cj := cronJob("*/5 * * * *", tt.mutate)
			cj.Spec.ConcurrencyPolicy = cmpOr(cj.Spec.ConcurrencyPolicy, batchv1.AllowConcurrent)
			client := fake.NewClientset(append([]runtime.Object{cj}, tt.jobs...)...)
			f := informers.NewSharedInformerFactory(client, 0)
			_ = f.Batch().V1().CronJobs().Informer().GetIndexer().Add(cj)
			for _, j := range tt.jobs {
				_ = f.Batch().V1().Jobs().Informer().GetIndexer().Add(j)
			}
			rec := record.NewFakeRecorder(20)
			r := &Reconciler{client: client, cronJobs: f.Batch().V1().CronJobs().Lister(), jobs: f.Batch().V1().Jobs().Lister(),
				recorder: rec, now: func() time.Time { return now }}
			res, err := r.Reconcile(context.Background(), controller.Request{Namespace: "ns", Name: "tick"})
			if err != nil {
				t.Fatalf("Reconcile: %v", err)
			}
			var created bool
			var deleted []string
			for _, a := range client.Actions() {
				switch {
				case a.GetVerb() == "create" && a.GetResource().Resource == "jobs":
					j := a.(k8stesting.CreateAction).GetObject().(*batchv1.Job)
					created = j.Name == "tick-29539325"
				case a.GetVerb() == "delete" && a.GetResource().Resource == "jobs":
					deleted = append(deleted, a.(k8stesting.DeleteAction).GetName())
				}
			}
			if created != tt.wantCreated || !slices.Equal(deleted, tt.wantDeleted) {
				t.Errorf("created tick-29539325 %v, deleted %v; want %v, %v", created, deleted, tt.wantCreated, tt.wantDeleted)
			}
			close(rec.Events)
			var events []string
			for e := range rec.Events {
				events = append(events, e)
			}
			if tt.wantEvent != "" && !slices.ContainsFunc(events, func(e string) bool { return strings.Contains(e, " "+tt.wantEvent+" ") }) {
				t.Errorf("events %v; want one %s", events, tt.wantEvent)
			}
			got, err := client.BatchV1().CronJobs("ns").Get(context.Background(), "tick", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Status.Active) != tt.wantActive {
				t.Errorf("status.active = %v; want %d entries", got.Status.Active, tt.wantActive)
			}
			if tt.wantCreated && (got.Status.LastScheduleTime == nil || !got.Status.LastScheduleTime.Time.Equal(time.Date(2026, 3, 1, 10, 5, 0, 0, time.UTC))) {
				t.Errorf("lastScheduleTime = %v; want 10:05", got.Status.LastScheduleTime)
			}
			if tt.name != "suspended" && tt.name != "unparseable schedule" && res.RequeueAfter != 4*time.Minute+50*time.Second+nextScheduleDelta {
				t.Errorf("requeue after %v; want 4m50.1s", res.RequeueAfter)
			}
		})
	}
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
