// Package cronjob owns the CronJob controller, as upstream's
// kube-controller-manager runs it (cronjob controller v2); events go out
// as component "cronjob-controller".
//
// Reconcile(namespace/name):
//
//  1. tracks the CronJob's Jobs (those it controls): finished ones leave
//     status.active (SawCompletedJob), vanished ones too (MissingJob),
//     running ones it did not start are reported (UnexpectedJob, e.g. from
//     `kubectl create job --from=cronjob/NAME`), and
//     status.lastSuccessfulTime follows the latest completion;
//  2. unless suspended, parses spec.schedule (cron syntax with @hourly
//     and friends, via github.com/robfig/cron/v3) in spec.timeZone
//     (UnparseableSchedule, UnknownTimeZone otherwise), finds the most
//     recent tick since status.lastScheduleTime (or creation), not older
//     than startingDeadlineSeconds (MissSchedule when it is; more than 100
//     missed ticks warn TooManyMissedTimes), and under concurrencyPolicy
//     Allow/Forbid (JobAlreadyActive)/Replace (the active Jobs are
//     deleted) creates the Job <cronjob>-<tick in minutes since the epoch>
//     from spec.jobTemplate with the
//     batch.kubernetes.io/cronjob-scheduled-timestamp annotation
//     (SuccessfulCreate), adding it to status.active and setting
//     status.lastScheduleTime;
//  3. deletes the oldest finished Jobs beyond successfulJobsHistoryLimit
//     and failedJobsHistoryLimit (SuccessfulDelete);
//  4. writes status and comes back 100 ms after the next tick.
//
// The schedule arithmetic is pure (schedule.go) and reads the injected
// clock (Config.Now); reconcile.go performs it.
package cronjob
