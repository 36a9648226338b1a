package printers

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var apps = appsv1.SchemeGroupVersion

func template(containers ...corev1.Container) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: containers}}
}

var twoContainers = template(corev1.Container{Name: "fake-container1", Image: "fake-image1"}, corev1.Container{Name: "fake-container2", Image: "fake-image2"})

// TestDeploymentRow follows upstream's TestPrintDeployment.
func TestDeploymentRow(t *testing.T) {
	d := &appsv1.Deployment{
		ObjectMeta: objMeta("test1"),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(int32(5)),
			Template: twoContainers,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"foo": "bar"}},
		},
		Status: appsv1.DeploymentStatus{Replicas: 10, UpdatedReplicas: 2, AvailableReplicas: 1, UnavailableReplicas: 4, ReadyReplicas: 1},
	}
	bad := &appsv1.Deployment{ObjectMeta: objMeta("bad"), Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{
		MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "k", Operator: "Bogus"}},
	}}}
	checkRows(t, apps.WithKind("Deployment"), []rowCase{
		{"ready of desired", d, []interface{}{"test1", "1/5", int64(2), int64(1), "3h", "fake-container1,fake-container2", "fake-image1,fake-image2", "foo=bar"}},
		{"no selector selects everything", &appsv1.Deployment{ObjectMeta: objMeta("empty")}, []interface{}{"empty", "0/0", int64(0), int64(0), "3h", "", "", ""}},
		{"invalid selector", bad, []interface{}{"bad", "0/0", int64(0), int64(0), "3h", "", "", "<invalid>"}},
	})
}

func TestReplicaSetRow(t *testing.T) {
	rs := &appsv1.ReplicaSet{
		ObjectMeta: objMeta("test1"),
		Spec:       appsv1.ReplicaSetSpec{Replicas: ptr(int32(5)), Template: twoContainers, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"foo": "bar"}}},
		Status:     appsv1.ReplicaSetStatus{Replicas: 5, ReadyReplicas: 2},
	}
	checkRows(t, apps.WithKind("ReplicaSet"), []rowCase{
		{"desired current ready", rs, []interface{}{"test1", int64(5), int64(5), int64(2), "3h", "fake-container1,fake-container2", "fake-image1,fake-image2", "foo=bar"}},
		{"nil selector", &appsv1.ReplicaSet{ObjectMeta: objMeta("rs")}, []interface{}{"rs", int64(0), int64(0), int64(0), "3h", "", "", "<none>"}},
	})
}

func TestStatefulSetRow(t *testing.T) {
	ss := &appsv1.StatefulSet{
		ObjectMeta: objMeta("test1"),
		Spec:       appsv1.StatefulSetSpec{Replicas: ptr(int32(5)), Template: twoContainers},
		Status:     appsv1.StatefulSetStatus{Replicas: 5, ReadyReplicas: 2},
	}
	checkRows(t, apps.WithKind("StatefulSet"), []rowCase{
		{"ready of desired", ss, []interface{}{"test1", "2/5", "3h", "fake-container1,fake-container2", "fake-image1,fake-image2"}},
	})
}

func TestDaemonSetRow(t *testing.T) {
	ds := &appsv1.DaemonSet{
		ObjectMeta: objMeta("test1"),
		Spec: appsv1.DaemonSetSpec{
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				Containers:   twoContainers.Spec.Containers,
				NodeSelector: map[string]string{"kubernetes.io/os": "linux"},
			}},
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"foo": "bar"}},
		},
		Status: appsv1.DaemonSetStatus{CurrentNumberScheduled: 2, DesiredNumberScheduled: 3, NumberReady: 1, UpdatedNumberScheduled: 2, NumberAvailable: 0},
	}
	checkRows(t, apps.WithKind("DaemonSet"), []rowCase{
		{"counts and node selector", ds, []interface{}{"test1", int64(3), int64(2), int64(1), int64(2), int64(0), "kubernetes.io/os=linux", "3h",
			"fake-container1,fake-container2", "fake-image1,fake-image2", "foo=bar"}},
		{"no node selector", &appsv1.DaemonSet{ObjectMeta: objMeta("ds")}, []interface{}{"ds", int64(0), int64(0), int64(0), int64(0), int64(0), "<none>", "3h", "", "", "<none>"}},
	})
}

// TestControllerRevisionRow follows upstream's TestPrintControllerRevision.
func TestControllerRevisionRow(t *testing.T) {
	owned := func(refs ...metav1.OwnerReference) *appsv1.ControllerRevision {
		m := objMeta("test1")
		m.OwnerReferences = refs
		return &appsv1.ControllerRevision{ObjectMeta: m, Revision: 1}
	}
	checkRows(t, apps.WithKind("ControllerRevision"), []rowCase{
		{"controlled by a daemon set", owned(metav1.OwnerReference{APIVersion: "apps/v1", Kind: "DaemonSet", Name: "foo", Controller: ptr(true)}),
			[]interface{}{"test1", "daemonset.apps/foo", int64(1), "3h"}},
		{"owner is not the controller", owned(metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "foo", Controller: ptr(false)}),
			[]interface{}{"test1", "<none>", int64(1), "3h"}},
		{"no owner", owned(), []interface{}{"test1", "<none>", int64(1), "3h"}},
		{"core group controller", owned(metav1.OwnerReference{APIVersion: "v1", Kind: "Pod", Name: "p", Controller: ptr(true)}),
			[]interface{}{"test1", "pod/p", int64(1), "3h"}},
	})
	bad := owned(metav1.OwnerReference{APIVersion: "a/b/c", Kind: "X", Name: "x", Controller: ptr(true)})
	if _, err := For(apps.WithKind("ControllerRevision")).Row(bad, now); err == nil {
		t.Errorf("Row(revision with controller apiVersion a/b/c) error = nil; want an error")
	}
}

// TestJobRow follows upstream's TestPrintJob and TestPrintJobStatus.
func TestJobRow(t *testing.T) {
	job := func(completions, parallelism *int32, succeeded int32, start, end *metav1.Time, conds ...batchv1.JobConditionType) *batchv1.Job {
		j := &batchv1.Job{
			ObjectMeta: objMeta("job1"),
			Spec:       batchv1.JobSpec{Completions: completions, Parallelism: parallelism, Template: twoContainers, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"job-name": "job1"}}},
			Status:     batchv1.JobStatus{Succeeded: succeeded, StartTime: start, CompletionTime: end},
		}
		for _, c := range conds {
			j.Status.Conditions = append(j.Status.Conditions, batchv1.JobCondition{Type: c, Status: corev1.ConditionTrue})
		}
		return j
	}
	row := func(status, completions, duration string) []interface{} {
		return []interface{}{"job1", status, completions, duration, "3h", "fake-container1,fake-container2", "fake-image1,fake-image2", "job-name=job1"}
	}
	deleting := job(ptr(int32(1)), nil, 0, agoPtr(time.Minute), nil)
	deleting.DeletionTimestamp = agoPtr(time.Second)
	falseComplete := job(ptr(int32(1)), nil, 0, nil, nil)
	falseComplete.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionFalse}}
	checkRows(t, batchv1.SchemeGroupVersion.WithKind("Job"), []rowCase{
		{"not started", job(ptr(int32(2)), nil, 1, nil, nil), row("Running", "1/2", "")},
		{"running for ten minutes", job(ptr(int32(2)), nil, 1, agoPtr(10*time.Minute), nil), row("Running", "1/2", "10m")},
		{"complete", job(ptr(int32(2)), nil, 2, agoPtr(time.Hour), agoPtr(57*time.Minute), batchv1.JobComplete), row("Complete", "2/2", "3m")},
		{"no completions", job(nil, nil, 0, nil, nil), row("Running", "0/1", "")},
		{"no completions, parallel", job(nil, ptr(int32(2)), 1, nil, nil), row("Running", "1/1 of 2", "")},
		{"failed", job(ptr(int32(1)), nil, 0, nil, nil, batchv1.JobFailed), row("Failed", "0/1", "")},
		{"terminating", deleting, row("Terminating", "0/1", "60s")},
		{"suspended", job(ptr(int32(1)), nil, 0, nil, nil, batchv1.JobSuspended), row("Suspended", "0/1", "")},
		{"failure target", job(ptr(int32(1)), nil, 0, nil, nil, batchv1.JobFailureTarget), row("FailureTarget", "0/1", "")},
		{"complete beats failure target", job(ptr(int32(1)), nil, 1, nil, nil, batchv1.JobFailureTarget, batchv1.JobComplete), row("Complete", "1/1", "")},
		{"false condition ignored", falseComplete, row("Running", "0/1", "")},
	})
}

// TestCronJobRow follows upstream's TestPrintCronJob.
func TestCronJobRow(t *testing.T) {
	cj := &batchv1.CronJob{
		ObjectMeta: objMeta("cronjob1"),
		Spec: batchv1.CronJobSpec{
			Schedule: "0/5 * * * ?",
			Suspend:  ptr(false),
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
				Template: twoContainers,
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}},
			}},
		},
		Status: batchv1.CronJobStatus{LastScheduleTime: agoPtr(30 * time.Second), Active: []corev1.ObjectReference{{Name: "j"}}},
	}
	zoned := cj.DeepCopy()
	zoned.Spec.TimeZone = ptr("Europe/Amsterdam")
	zoned.Spec.Suspend = ptr(true)
	zoned.Status = batchv1.CronJobStatus{}
	checkRows(t, batchv1.SchemeGroupVersion.WithKind("CronJob"), []rowCase{
		{"scheduled", cj, []interface{}{"cronjob1", "0/5 * * * ?", "<none>", "False", int64(1), "30s", "3h", "fake-container1,fake-container2", "fake-image1,fake-image2", "a=b"}},
		{"time zone, suspended, never scheduled", zoned, []interface{}{"cronjob1", "0/5 * * * ?", "Europe/Amsterdam", "True", int64(0), "<none>", "3h", "fake-container1,fake-container2", "fake-image1,fake-image2", "a=b"}},
		{"suspend unset", &batchv1.CronJob{ObjectMeta: objMeta("c"), Spec: batchv1.CronJobSpec{Schedule: "@daily"}}, []interface{}{"c", "@daily", "<none>", "<unset>", int64(0), "<none>", "3h", "", "", "<none>"}},
	})
}
