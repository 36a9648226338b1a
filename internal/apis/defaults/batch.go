package defaults

import (
	"math"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// Upstream's batch/v1 default values.
const (
	defaultBackoffLimit       = int32(6)
	defaultSuccessfulJobLimit = int32(3)
	defaultFailedJobLimit     = int32(1)
)

// job applies Job defaults. The selector and the controller-uid labels are
// the registry's business and generated before Apply runs; a Job without
// labels takes its template's, those generated labels included, as a Job
// read back from upstream shows.
func job(j *batchv1.Job) {
	if labels := j.Spec.Template.Labels; labels != nil && len(j.Labels) == 0 {
		j.Labels = copyMap(labels)
	}
	spec := &j.Spec
	jobCounts(spec)
	if spec.CompletionMode == nil {
		spec.CompletionMode = ptrTo(batchv1.NonIndexedCompletion)
	}
	if spec.Suspend == nil {
		spec.Suspend = ptrTo(false)
	}
	if spec.PodReplacementPolicy == nil {
		policy := batchv1.TerminatingOrFailed
		if spec.PodFailurePolicy != nil {
			policy = batchv1.Failed
		}
		spec.PodReplacementPolicy = &policy
	}
	if spec.ManualSelector == nil {
		spec.ManualSelector = ptrTo(false)
	}
	jobSpecTypes(spec)
}

// jobCounts defaults completions, parallelism and the backoff limit, which
// is unlimited when a per-index limit is set.
func jobCounts(spec *batchv1.JobSpec) {
	if spec.Completions == nil && spec.Parallelism == nil {
		spec.Completions = ptrTo(int32(1))
	}
	if spec.Parallelism == nil {
		spec.Parallelism = ptrTo(int32(1))
	}
	if spec.BackoffLimit == nil {
		limit := defaultBackoffLimit
		if spec.BackoffLimitPerIndex != nil {
			limit = math.MaxInt32
		}
		spec.BackoffLimit = ptrTo(limit)
	}
}

// jobSpecTypes applies the defaults upstream attaches to types nested in a
// JobSpec, which hold in Jobs and in CronJob job templates alike: the pod
// template's, and status True for pod-condition patterns of the pod
// failure policy.
func jobSpecTypes(spec *batchv1.JobSpec) {
	if spec.PodFailurePolicy != nil {
		for i := range spec.PodFailurePolicy.Rules {
			conds := spec.PodFailurePolicy.Rules[i].OnPodConditions
			for k := range conds {
				if conds[k].Status == "" {
					conds[k].Status = corev1.ConditionTrue
				}
			}
		}
	}
	podTemplateSpec(&spec.Template)
}

// cronJob applies CronJob defaults and those of the types nested in its
// job template; the Job object's own defaults (counts, policies, labels)
// are not applied to the template, as upstream.
func cronJob(c *batchv1.CronJob) {
	spec := &c.Spec
	if spec.ConcurrencyPolicy == "" {
		spec.ConcurrencyPolicy = batchv1.AllowConcurrent
	}
	if spec.Suspend == nil {
		spec.Suspend = ptrTo(false)
	}
	if spec.SuccessfulJobsHistoryLimit == nil {
		spec.SuccessfulJobsHistoryLimit = ptrTo(defaultSuccessfulJobLimit)
	}
	if spec.FailedJobsHistoryLimit == nil {
		spec.FailedJobsHistoryLimit = ptrTo(defaultFailedJobLimit)
	}
	jobSpecTypes(&spec.JobTemplate.Spec)
}
