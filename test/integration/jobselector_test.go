package integration

import (
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestJobGeneratedSelector: as upstream's Job strategy
// (pkg/registry/batch/job/strategy.go generateSelector), a Job without
// manualSelector gets the job-name and controller-uid labels, legacy and
// batch.kubernetes.io/ prefixed, on its template where the client left
// them out, and a selector on the prefixed controller-uid; what the
// client gave is kept, so a selector or label of its own that differs
// from the generated ones is rejected by validation
// (validateGeneratedSelector) instead of being overwritten.
func TestJobGeneratedSelector(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	jobs := shared.cs.BatchV1().Jobs(ns)

	job, err := jobs.Create(ctx, newJob(ns, "plain"), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create a Job without selector: %v", err)
	}
	uid := string(job.UID)
	wantLabels := map[string]string{"app": "plain", "job-name": "plain", batchv1.JobNameLabel: "plain",
		"controller-uid": uid, batchv1.ControllerUidLabel: uid}
	wantSelector := &metav1.LabelSelector{MatchLabels: map[string]string{batchv1.ControllerUidLabel: uid}}
	if !apiequality.Semantic.DeepEqual(job.Spec.Template.Labels, wantLabels) || !apiequality.Semantic.DeepEqual(job.Spec.Selector, wantSelector) {
		t.Errorf("Job without selector: template labels %v, selector %v; want %v and %v",
			job.Spec.Template.Labels, job.Spec.Selector, wantLabels, wantSelector)
	}

	tests := []struct {
		name     string
		mutate   func(*batchv1.Job)
		wantMsgs []string
	}{
		{"own-selector", func(j *batchv1.Job) { j.Spec.Selector = selector(j.Name) }, []string{
			`spec.selector: Invalid value: {"matchLabels":{"app":"own-selector","batch.kubernetes.io/controller-uid":`,
			"`selector` not auto-generated"}},
		{"own-job-name-label", func(j *batchv1.Job) { j.Spec.Template.Labels["job-name"] = "other" }, []string{
			`spec.template.metadata.labels[job-name]: Invalid value: `, `must be 'own-job-name-label'`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j := newJob(ns, tc.name)
			tc.mutate(j)
			_, err := jobs.Create(ctx, j, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
			if !apierrors.IsInvalid(err) {
				t.Fatalf("create Job %s: %v; want Invalid", j.Name, err)
			}
			for _, want := range tc.wantMsgs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("create Job %s: %v; want it to contain %q", j.Name, err, want)
				}
			}
		})
	}
}
