package validation

import (
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-dev/skiff/internal/apis/defaults"
)

// generatedJob is a Job as the API server stores it without
// manualSelector: uid-derived selector and all four template labels.
func generatedJob() *batchv1.Job {
	j := job()
	j.UID = types.UID("uid-1")
	j.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{batchv1.ControllerUidLabel: "uid-1"}}
	j.Spec.Template.Labels = map[string]string{
		batchv1.ControllerUidLabel: "uid-1", batchv1.JobNameLabel: "j",
		"controller-uid": "uid-1", "job-name": "j",
	}
	defaults.Apply(j)
	return j
}

// manualJob is a stored Job whose user chose its selector.
func manualJob() *batchv1.Job {
	j := job()
	j.UID = types.UID("uid-1")
	j.Spec.ManualSelector = ptr(true)
	j.Spec.Selector = &metav1.LabelSelector{MatchLabels: webLabels}
	defaults.Apply(j)
	return j
}

// errorStrings renders errs one per element, for exact comparison.
func errorStrings(errs field.ErrorList) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

// TestJobManualSelectorUpdate follows upstream: ValidateJobSpecUpdate
// (pkg/apis/batch/validation/validation.go) has no rule for
// manualSelector, so it may change, but ValidateJob's
// validateGeneratedSelector then holds a Job that turns it off to the
// generated labels and selector, the prefixed labels only if the old Job
// had them (the job strategy's RequirePrefixedLabels).
func TestJobManualSelectorUpdate(t *testing.T) {
	const selectorErr = `spec.selector: Invalid value: {"matchLabels":{"app":"web"}}: ` + "`selector` not auto-generated"
	tests := []struct {
		name   string
		old    func() *batchv1.Job
		mutate func(*batchv1.Job)
		want   []string
	}{
		{"generated job turns manualSelector on", generatedJob,
			func(j *batchv1.Job) { j.Spec.ManualSelector = ptr(true) }, nil},
		{"generated job unchanged", generatedJob, func(*batchv1.Job) {}, nil},
		{"manual job unchanged", manualJob, func(*batchv1.Job) {}, nil},
		{"manual job turns manualSelector off", manualJob,
			func(j *batchv1.Job) { j.Spec.ManualSelector = ptr(false) },
			[]string{
				"spec.template.metadata.labels[controller-uid]: Required value: must be 'uid-1'",
				"spec.template.metadata.labels[job-name]: Required value: must be 'j'",
				selectorErr,
			}},
		{"manual job drops manualSelector, defaulted to false", manualJob,
			func(j *batchv1.Job) { j.Spec.ManualSelector = nil; defaults.Apply(j) },
			[]string{
				"spec.template.metadata.labels[controller-uid]: Required value: must be 'uid-1'",
				"spec.template.metadata.labels[job-name]: Required value: must be 'j'",
				selectorErr,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := tt.old()
			obj := old.DeepCopy()
			tt.mutate(obj)
			got := errorStrings(ValidateUpdate(obj, old))
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("ValidateUpdate() = %q; want %q", got, tt.want)
			}
		})
	}
}

// TestJobGeneratedSelectorCreate: a new Job without manualSelector must
// carry all four generated labels and a selector matching them.
func TestJobGeneratedSelectorCreate(t *testing.T) {
	if errs := ValidateCreate(generatedJob()); len(errs) > 0 {
		t.Errorf("ValidateCreate(generated job) = %v; want none", errs)
	}
	j := generatedJob()
	j.Spec.Selector = &metav1.LabelSelector{MatchLabels: webLabels}
	j.Spec.Template.Labels = map[string]string{"app": "web", "job-name": "other"}
	want := []string{
		"spec.template.metadata.labels[controller-uid]: Required value: must be 'uid-1'",
		`spec.template.metadata.labels[job-name]: Invalid value: {"app":"web","job-name":"other"}: must be 'j'`,
		"spec.template.metadata.labels[batch.kubernetes.io/controller-uid]: Required value: must be 'uid-1'",
		"spec.template.metadata.labels[batch.kubernetes.io/job-name]: Required value: must be 'j'",
		`spec.selector: Invalid value: {"matchLabels":{"app":"web"}}: ` + "`selector` not auto-generated",
	}
	got := errorStrings(ValidateCreate(j))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ValidateCreate(job with a hand-made selector) = %q; want %q", got, want)
	}
}
