package cronjob

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// nextScheduleDelta is added to the requeue delay so the pass after a
// tick lands just past it, as upstream.
const nextScheduleDelta = 100 * time.Millisecond

// maxMissed is how many missed start times upstream tolerates silently;
// beyond it the TooManyMissedTimes warning is recorded.
const maxMissed = 100

var kind = batchv1.SchemeGroupVersion.WithKind("CronJob")

// schedule parses spec.schedule (five fields or a @descriptor such as
// @hourly) in spec.timeZone, or the local zone without one. A schedule
// that still carries a TZ= or CRON_TZ= prefix (accepted before the API
// rejected it) keeps its own zone.
func schedule(cj *batchv1.CronJob) (cron.Schedule, error) {
	spec := cj.Spec.Schedule
	if cj.Spec.TimeZone != nil && !hasZonePrefix(spec) {
		if _, err := time.LoadLocation(*cj.Spec.TimeZone); err != nil {
			return nil, &zoneError{err: err}
		}
		spec = "TZ=" + *cj.Spec.TimeZone + " " + spec
	}
	return cron.ParseStandard(spec)
}

func hasZonePrefix(s string) bool {
	return strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=")
}

// zoneError is an unknown spec.timeZone.
type zoneError struct{ err error }

func (e *zoneError) Error() string { return e.err.Error() }

// mostRecent returns the latest scheduled time at or before now that is
// after the last schedule time (or creation), and how many were missed.
// With withDeadline, times older than startingDeadlineSeconds are not
// considered, as upstream's mostRecentScheduleTime.
func mostRecent(cj *batchv1.CronJob, now time.Time, sched cron.Schedule, withDeadline bool) (earliest time.Time, recent *time.Time, missed int64, err error) {
	earliest = cj.CreationTimestamp.Time
	if cj.Status.LastScheduleTime != nil {
		earliest = cj.Status.LastScheduleTime.Time
	}
	if withDeadline && cj.Spec.StartingDeadlineSeconds != nil {
		if d := now.Add(-time.Duration(*cj.Spec.StartingDeadlineSeconds) * time.Second); d.After(earliest) {
			earliest = d
		}
	}
	t1 := sched.Next(earliest)
	if t1.IsZero() || now.Before(t1) {
		return earliest, nil, 0, nil
	}
	t2 := sched.Next(t1)
	if t2.IsZero() || now.Before(t2) {
		return earliest, &t1, 1, nil
	}
	between := int64(t2.Sub(t1).Round(time.Second).Seconds())
	if between < 1 {
		return earliest, nil, 0, errors.New("time difference between two schedules is less than 1 second")
	}
	// Regular schedules: count by arithmetic, then check the guess is a
	// real tick with no later one before now; otherwise walk.
	missed = int64(now.Sub(t1).Seconds())/between + 1
	guess := t1.Add(time.Duration((missed-1)*between) * time.Second)
	if !guess.After(now) && sched.Next(guess.Add(-time.Second)).Equal(guess) && sched.Next(guess).After(now) {
		return earliest, &guess, missed, nil
	}
	last, n := t1, int64(1)
	for t := t2; !t.IsZero() && !t.After(now); t = sched.Next(t) {
		last, n = t, n+1
	}
	return earliest, &last, n, nil
}

// requeueDelay is how long until the next tick after the most recent one
// (ignoring the starting deadline), plus nextScheduleDelta.
func requeueDelay(cj *batchv1.CronJob, now time.Time, sched cron.Schedule) time.Duration {
	earliest, recent, _, err := mostRecent(cj, now, sched, false)
	if err != nil {
		return nextScheduleDelta
	}
	if recent == nil {
		recent = &earliest
	}
	next := sched.Next(*recent)
	if next.IsZero() {
		return 0
	}
	return next.Add(nextScheduleDelta).Sub(now)
}

// jobName is <cronjob>-<scheduled time in minutes since the epoch>.
func jobName(cj *batchv1.CronJob, scheduled time.Time) string {
	return fmt.Sprintf("%s-%d", cj.Name, scheduled.Unix()/60)
}

// newJob is the Job a CronJob starts for a scheduled time: its job
// template, named after the time, annotated with it (in the CronJob's
// zone, RFC 3339) and controlled by the CronJob.
func newJob(cj *batchv1.CronJob, scheduled time.Time) (*batchv1.Job, error) {
	loc := time.Local
	if cj.Spec.TimeZone != nil {
		var err error
		if loc, err = time.LoadLocation(*cj.Spec.TimeZone); err != nil {
			return nil, &zoneError{err: err}
		}
	}
	t := cj.Spec.JobTemplate
	ann := maps.Clone(t.Annotations)
	if ann == nil {
		ann = map[string]string{}
	}
	ann[batchv1.CronJobScheduledTimestampAnnotation] = scheduled.In(loc).Format(time.RFC3339)
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name:            jobName(cj, scheduled),
			Namespace:       cj.Namespace,
			Labels:          maps.Clone(t.Labels),
			Annotations:     ann,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, kind)},
		},
		Spec: *t.Spec.DeepCopy(),
	}, nil
}
