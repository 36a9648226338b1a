package cronjob

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

var created = time.Date(2026, 3, 1, 10, 0, 30, 0, time.UTC)

func cronJob(sched string, mutate func(*batchv1.CronJob)) *batchv1.CronJob {
	cj := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "tick", Namespace: "ns", UID: "u", CreationTimestamp: metav1.NewTime(created)},
		Spec: batchv1.CronJobSpec{Schedule: sched}}
	if mutate != nil {
		mutate(cj)
	}
	return cj
}

func TestSchedule(t *testing.T) {
	tests := []struct {
		name    string
		sched   string
		tz      *string
		from    time.Time
		want    time.Time
		wantErr bool
	}{
		{name: "every minute", sched: "*/1 * * * *", from: created, want: time.Date(2026, 3, 1, 10, 1, 0, 0, time.UTC)},
		{name: "@hourly", sched: "@hourly", from: created, want: time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC)},
		{name: "@daily", sched: "@daily", from: created, want: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)},
		{name: "9am in New York (EST, UTC-5)", sched: "0 9 * * *", tz: ptr.To("America/New_York"), from: created,
			want: time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)},
		{name: "9am in New York after DST (EDT, UTC-4)", sched: "0 9 * * *", tz: ptr.To("America/New_York"),
			from: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), want: time.Date(2026, 3, 10, 13, 0, 0, 0, time.UTC)},
		{name: "9am in Tokyo", sched: "0 9 * * *", tz: ptr.To("Asia/Tokyo"), from: created, want: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)},
		{name: "unknown zone", sched: "0 9 * * *", tz: ptr.To("Mars/Olympus"), wantErr: true},
		{name: "six fields rejected", sched: "0 0 9 * * *", wantErr: true},
		{name: "garbage", sched: "every day", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := schedule(cronJob(tt.sched, func(cj *batchv1.CronJob) { cj.Spec.TimeZone = tt.tz }))
			if (err != nil) != tt.wantErr {
				t.Fatalf("schedule(%q, %v) error = %v; want error %v", tt.sched, tt.tz, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if got := s.Next(tt.from); !got.Equal(tt.want) {
				t.Errorf("Next(%v) = %v; want %v", tt.from, got.UTC(), tt.want)
			}
		})
	}
}

func TestMostRecent(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 3, 1, h, m, 0, 0, time.UTC) }
	tests := []struct {
		name       string
		sched      string
		mutate     func(*batchv1.CronJob)
		now        time.Time
		want       *time.Time
		wantMissed int64
	}{
		{name: "before the first tick", sched: "*/5 * * * *", now: at(10, 4)},
		{name: "one tick due", sched: "*/5 * * * *", now: at(10, 5), want: ptr.To(at(10, 5)), wantMissed: 1},
		{name: "three ticks missed", sched: "*/5 * * * *", now: at(10, 17), want: ptr.To(at(10, 15)), wantMissed: 3},
		{name: "since the last schedule", sched: "*/5 * * * *", now: at(10, 17), want: ptr.To(at(10, 15)), wantMissed: 1,
			mutate: func(cj *batchv1.CronJob) { cj.Status.LastScheduleTime = ptr.To(metav1.NewTime(at(10, 10))) }},
		{name: "already scheduled", sched: "*/5 * * * *", now: at(10, 17),
			mutate: func(cj *batchv1.CronJob) { cj.Status.LastScheduleTime = ptr.To(metav1.NewTime(at(10, 15))) }},
		{name: "starting deadline hides old ticks", sched: "*/5 * * * *", now: at(12, 1), want: ptr.To(at(12, 0)), wantMissed: 1,
			mutate: func(cj *batchv1.CronJob) { cj.Spec.StartingDeadlineSeconds = ptr.To[int64](300) }},
		{name: "more than 100 missed", sched: "* * * * *", now: at(12, 0), want: ptr.To(at(12, 0)), wantMissed: 120},
		{name: "irregular schedule walks", sched: "0 0 1 * *", now: time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC),
			want: ptr.To(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)), wantMissed: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cj := cronJob(tt.sched, tt.mutate)
			s, err := schedule(cj)
			if err != nil {
				t.Fatal(err)
			}
			_, got, missed, err := mostRecent(cj, tt.now, s, true)
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (tt.want == nil) || (got != nil && !got.Equal(*tt.want)) || missed != tt.wantMissed {
				t.Errorf("mostRecent(now %v) = %v, %d missed; want %v, %d", tt.now, got, missed, tt.want, tt.wantMissed)
			}
		})
	}
}

func TestRequeueDelay(t *testing.T) {
	cj := cronJob("*/1 * * * *", nil)
	s, _ := schedule(cj)
	now := time.Date(2026, 3, 1, 10, 0, 45, 0, time.UTC)
	if got, want := requeueDelay(cj, now, s), 15*time.Second+nextScheduleDelta; got != want {
		t.Errorf("requeueDelay at 10:00:45 = %v; want %v", got, want)
	}
	cj.Status.LastScheduleTime = ptr.To(metav1.NewTime(time.Date(2026, 3, 1, 10, 1, 0, 0, time.UTC)))
	now = time.Date(2026, 3, 1, 10, 1, 0, 500_000_000, time.UTC)
	if got, want := requeueDelay(cj, now, s), 59500*time.Millisecond+nextScheduleDelta; got != want {
		t.Errorf("requeueDelay just after a tick = %v; want %v", got, want)
	}
}

func TestNewJob(t *testing.T) {
	cj := cronJob("*/1 * * * *", func(cj *batchv1.CronJob) {
		cj.Spec.TimeZone = ptr.To("Asia/Tokyo")
		cj.Spec.JobTemplate.Labels = map[string]string{"app": "x"}
	})
	scheduled := time.Date(2026, 3, 1, 10, 1, 0, 0, time.UTC)
	j, err := newJob(cj, scheduled)
	if err != nil {
		t.Fatal(err)
	}
	if want := "tick-29539321"; j.Name != want {
		t.Errorf("name = %s; want %s", j.Name, want)
	}
	if got, want := j.Annotations[batchv1.CronJobScheduledTimestampAnnotation], "2026-03-01T19:01:00+09:00"; got != want {
		t.Errorf("scheduled timestamp = %s; want %s", got, want)
	}
	if ref := metav1.GetControllerOf(j); ref == nil || ref.Kind != "CronJob" || ref.Name != "tick" || j.Labels["app"] != "x" {
		t.Errorf("controller %+v labels %v; want CronJob tick and the template labels", ref, j.Labels)
	}
}

func TestBeyondLimit(t *testing.T) {
	job := func(name string, start int) *batchv1.Job {
		j := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if start > 0 {
			j.Status.StartTime = ptr.To(metav1.NewTime(created.Add(time.Duration(start) * time.Minute)))
		}
		return j
	}
	jobs := []*batchv1.Job{job("c", 3), job("a", 1), job("nostart", 0), job("b", 2)}
	tests := []struct {
		name  string
		limit *int32
		want  []string
	}{
		{name: "no limit", limit: nil},
		{name: "limit above count", limit: ptr.To[int32](5)},
		{name: "keep 2", limit: ptr.To[int32](2), want: []string{"a", "b"}},
		{name: "keep 0", limit: ptr.To[int32](0), want: []string{"a", "b", "c", "nostart"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, j := range beyondLimit(jobs, tt.limit) {
				got = append(got, j.Name)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("beyondLimit = %v; want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("beyondLimit = %v; want %v", got, tt.want)
				}
			}
		})
	}
}
