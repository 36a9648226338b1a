package validation

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	unversioned "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// maxCronJobNameLength leaves room for the 11-character suffix of the Jobs
// a CronJob creates.
const maxCronJobNameLength = 52

// The unprefixed labels a generated Job selector relies on besides
// batchv1.ControllerUidLabel and batchv1.JobNameLabel.
const (
	legacyControllerUIDLabel = "controller-uid"
	legacyJobNameLabel       = "job-name"
)

var (
	completionModes     = []batchv1.CompletionMode{batchv1.IndexedCompletion, batchv1.NonIndexedCompletion}
	replacementPolicies = []batchv1.PodReplacementPolicy{batchv1.Failed, batchv1.TerminatingOrFailed}
	concurrencyPolicies = []batchv1.ConcurrencyPolicy{batchv1.AllowConcurrent, batchv1.ForbidConcurrent, batchv1.ReplaceConcurrent}
	jobRestartPolicies  = []corev1.RestartPolicy{corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever}
)

// validateJob checks a Job, new or updated. A missing selector is left to
// the API server, which generates it unless manualSelector is true.
func validateJob(j *batchv1.Job) field.ErrorList {
	errs := objectMeta(&j.ObjectMeta, true, dnsSubdomain)
	manual := j.Spec.ManualSelector != nil && *j.Spec.ManualSelector
	if manual && j.Spec.Selector == nil {
		errs = append(errs, field.Required(specPath.Child("selector"), ""))
	}
	return append(errs, jobSpec(&j.Spec, specPath)...)
}

// jobSpec checks counts, completion mode, selector and the template.
func jobSpec(s *batchv1.JobSpec, fldPath *field.Path) field.ErrorList {
	errs := nonNegativePtr(s.Parallelism, fldPath.Child("parallelism"))
	errs = append(errs, nonNegativePtr(s.Completions, fldPath.Child("completions"))...)
	errs = append(errs, nonNegativePtr(s.ActiveDeadlineSeconds, fldPath.Child("activeDeadlineSeconds"))...)
	errs = append(errs, nonNegativePtr(s.BackoffLimit, fldPath.Child("backoffLimit"))...)
	errs = append(errs, nonNegativePtr(s.TTLSecondsAfterFinished, fldPath.Child("ttlSecondsAfterFinished"))...)
	if s.CompletionMode != nil {
		errs = append(errs, enumRequired(*s.CompletionMode, completionModes, fldPath.Child("completionMode"))...)
		if *s.CompletionMode == batchv1.IndexedCompletion && s.Completions == nil {
			errs = append(errs, field.Required(fldPath.Child("completions"),
				fmt.Sprintf("when completion mode is %s", batchv1.IndexedCompletion)))
		}
	}
	if s.PodReplacementPolicy != nil {
		errs = append(errs, enumRequired(*s.PodReplacementPolicy, replacementPolicies, fldPath.Child("podReplacementPolicy"))...)
	}
	if s.Selector != nil {
		errs = append(errs, labelSelector(s.Selector, fldPath.Child("selector"))...)
		errs = append(errs, selectorMatches(s.Selector, s.Template.Labels, fldPath.Child("template", "metadata", "labels"))...)
	}
	errs = append(errs, podTemplateSpec(&s.Template, fldPath.Child("template"))...)
	rp := s.Template.Spec.RestartPolicy
	if rp != corev1.RestartPolicyOnFailure && rp != corev1.RestartPolicyNever {
		errs = append(errs, field.NotSupported(fldPath.Child("template", "spec", "restartPolicy"), rp, jobRestartPolicies))
	}
	return errs
}

// validateJobUpdate keeps the selector, template, completion mode and
// failure policy; the template may change while the job is suspended.
// manualSelector itself may change, as upstream, but a Job that turns it
// off must carry the generated selector and labels; the prefixed labels
// are required only if the old Job had them.
func validateJobUpdate(j, old *batchv1.Job) field.ErrorList {
	errs := generatedSelector(j, hasPrefixedJobLabels(old))
	errs = append(errs, selectorUpdate(j.Spec.Selector, old.Spec.Selector)...)
	suspended := old.Spec.Suspend != nil && *old.Spec.Suspend && old.Status.StartTime == nil
	if !suspended {
		errs = append(errs, immutable(j.Spec.Template, old.Spec.Template, specPath.Child("template"))...)
	}
	errs = append(errs, immutable(j.Spec.CompletionMode, old.Spec.CompletionMode, specPath.Child("completionMode"))...)
	errs = append(errs, immutable(j.Spec.PodFailurePolicy, old.Spec.PodFailurePolicy, specPath.Child("podFailurePolicy"))...)
	indexed := j.Spec.CompletionMode != nil && *j.Spec.CompletionMode == batchv1.IndexedCompletion
	if !indexed {
		errs = append(errs, immutable(j.Spec.Completions, old.Spec.Completions, specPath.Child("completions"))...)
	}
	return errs
}

// generatedSelector checks, as upstream's validateGeneratedSelector, that
// a Job without manualSelector has the uid and the template labels and
// selector generated from its uid and name; prefixed adds the
// batch.kubernetes.io labels to the legacy ones.
func generatedSelector(j *batchv1.Job, prefixed bool) field.ErrorList {
	if j.Spec.ManualSelector != nil && *j.Spec.ManualSelector || j.Spec.Selector == nil {
		return nil
	}
	var errs field.ErrorList
	if j.UID == "" {
		errs = append(errs, field.Required(metadataPath.Child("uid"), ""))
	}
	want := map[string]string{legacyControllerUIDLabel: string(j.UID), legacyJobNameLabel: j.Name}
	keys := []string{legacyControllerUIDLabel, legacyJobNameLabel}
	if prefixed {
		want[batchv1.ControllerUidLabel], want[batchv1.JobNameLabel] = string(j.UID), j.Name
		keys = append(keys, batchv1.ControllerUidLabel, batchv1.JobNameLabel)
	}
	tmpl := specPath.Child("template", "metadata", "labels")
	for _, k := range keys {
		got, ok := j.Spec.Template.Labels[k]
		switch {
		case !ok:
			errs = append(errs, field.Required(tmpl.Key(k), fmt.Sprintf("must be '%s'", want[k])))
		case got != want[k]:
			errs = append(errs, field.Invalid(tmpl.Key(k), j.Spec.Template.Labels, fmt.Sprintf("must be '%s'", want[k])))
		}
	}
	if sel, err := metav1.LabelSelectorAsSelector(j.Spec.Selector); err == nil && !sel.Matches(labels.Set(want)) {
		errs = append(errs, field.Invalid(specPath.Child("selector"), j.Spec.Selector, "`selector` not auto-generated"))
	}
	return errs
}

// hasPrefixedJobLabels reports whether j's template carries both
// batch.kubernetes.io labels, which upstream then keeps requiring.
func hasPrefixedJobLabels(j *batchv1.Job) bool {
	_, name := j.Spec.Template.Labels[batchv1.JobNameLabel]
	_, uid := j.Spec.Template.Labels[batchv1.ControllerUidLabel]
	return name && uid
}

// validateCronJob checks a CronJob on create.
func validateCronJob(c *batchv1.CronJob) field.ErrorList {
	errs := objectMeta(&c.ObjectMeta, true, dnsSubdomain)
	if len(c.Name) > maxCronJobNameLength {
		errs = append(errs, field.Invalid(metadataPath.Child("name"), c.Name,
			fmt.Sprintf("must be no more than %d characters", maxCronJobNameLength)))
	}
	s := &c.Spec
	if strings.Contains(s.Schedule, "TZ") {
		msg := "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"
		if s.TimeZone != nil {
			msg = "cannot use both timeZone field and TZ or CRON_TZ in schedule"
		}
		errs = append(errs, field.Invalid(specPath.Child("schedule"), s.Schedule, msg))
	}
	return append(errs, cronJobSpec(s)...)
}

// cronJobSpec checks schedule, time zone, policies, limits and the job
// template, whose selector is always generated.
func cronJobSpec(s *batchv1.CronJobSpec) field.ErrorList {
	var errs field.ErrorList
	if s.Schedule == "" {
		errs = append(errs, field.Required(specPath.Child("schedule"), ""))
	} else if _, err := cron.ParseStandard(s.Schedule); err != nil {
		errs = append(errs, field.Invalid(specPath.Child("schedule"), s.Schedule, err.Error()))
	}
	errs = append(errs, timeZone(s.TimeZone, specPath.Child("timeZone"))...)
	errs = append(errs, enumRequired(s.ConcurrencyPolicy, concurrencyPolicies, specPath.Child("concurrencyPolicy"))...)
	errs = append(errs, nonNegativePtr(s.StartingDeadlineSeconds, specPath.Child("startingDeadlineSeconds"))...)
	errs = append(errs, nonNegativePtr(s.SuccessfulJobsHistoryLimit, specPath.Child("successfulJobsHistoryLimit"))...)
	errs = append(errs, nonNegativePtr(s.FailedJobsHistoryLimit, specPath.Child("failedJobsHistoryLimit"))...)
	jt := specPath.Child("jobTemplate")
	errs = append(errs, unversioned.ValidateLabels(s.JobTemplate.Labels, jt.Child("metadata", "labels"))...)
	errs = append(errs, annotations(s.JobTemplate.Annotations, jt.Child("metadata", "annotations"))...)
	if s.JobTemplate.Spec.Selector != nil {
		errs = append(errs, field.Invalid(jt.Child("spec", "selector"), s.JobTemplate.Spec.Selector, "`selector` will be auto-generated"))
	}
	if m := s.JobTemplate.Spec.ManualSelector; m != nil && *m {
		errs = append(errs, field.NotSupported(jt.Child("spec", "manualSelector"), m, []string{"nil", "false"}))
	}
	return append(errs, jobSpec(&s.JobTemplate.Spec, jt.Child("spec"))...)
}

// timeZone requires a non-empty, explicit IANA zone name.
func timeZone(tz *string, fldPath *field.Path) field.ErrorList {
	if tz == nil {
		return nil
	}
	if *tz == "" {
		return field.ErrorList{field.Invalid(fldPath, *tz, "timeZone must be nil or non-empty string")}
	}
	if strings.EqualFold(*tz, "Local") {
		return field.ErrorList{field.Invalid(fldPath, *tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones")}
	}
	if _, err := time.LoadLocation(*tz); err != nil {
		return field.ErrorList{field.Invalid(fldPath, *tz, err.Error())}
	}
	return nil
}

func validateJobStatus(j, _ *batchv1.Job) field.ErrorList {
	s := j.Status
	return counts(map[string]int64{"active": int64(s.Active), "succeeded": int64(s.Succeeded), "failed": int64(s.Failed)})
}

// batchRules returns the rules of batch/v1 kinds.
func batchRules(obj runtime.Object) (kindRules, bool) {
	switch obj.(type) {
	case *batchv1.Job:
		r := rules(validateJob, validateJobUpdate, validateJobStatus)
		r.createOnly = func(o runtime.Object) field.ErrorList { return generatedSelector(o.(*batchv1.Job), true) }
		return r, true
	case *batchv1.CronJob:
		return rules(validateCronJob, nil, nil), true
	}
	return kindRules{}, false
}
