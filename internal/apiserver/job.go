package apiserver

import (
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The unprefixed labels upstream's Job strategy still puts on a Job's
// pods besides batchv1.ControllerUidLabel and batchv1.JobNameLabel.
const (
	legacyJobControllerUIDLabel = "controller-uid"
	legacyJobNameLabel          = "job-name"
)

// generateJobSelector gives a new Job without manualSelector the template
// labels and selector upstream's Job strategy (generateSelector) derives
// from its name and uid. What the client gave is kept: a template label
// is added only where the key is absent, and the selector only gains the
// controller-uid label when it lacks that key, so a conflicting label or
// selector is left for validation to reject ("`selector` not
// auto-generated").
func generateJobSelector(job *batchv1.Job) {
	if job.Spec.ManualSelector != nil && *job.Spec.ManualSelector {
		return
	}
	uid := string(job.UID)
	if job.Spec.Template.Labels == nil {
		job.Spec.Template.Labels = map[string]string{}
	}
	labels := job.Spec.Template.Labels
	for key, value := range map[string]string{
		legacyJobNameLabel:          job.Name,
		batchv1.JobNameLabel:        job.Name,
		legacyJobControllerUIDLabel: uid,
		batchv1.ControllerUidLabel:  uid,
	} {
		if _, found := labels[key]; !found {
			labels[key] = value
		}
	}
	if job.Spec.Selector == nil {
		job.Spec.Selector = &metav1.LabelSelector{}
	}
	if job.Spec.Selector.MatchLabels == nil {
		job.Spec.Selector.MatchLabels = map[string]string{}
	}
	if _, found := job.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel]; !found {
		job.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel] = uid
	}
}
