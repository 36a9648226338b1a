package integration

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
)

// fakeKubelet marks every pod of ns Running and Ready shortly after it
// appears, until the test ends.
func fakeKubelet(t *testing.T, ns string) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		_ = wait.PollUntilContextCancel(ctx, 20*time.Millisecond, true, func(ctx context.Context) (bool, error) {
			pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				return false, nil
			}
			for _, p := range pods.Items {
				if p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodRunning {
					continue
				}
				p.Status.Phase = corev1.PodRunning
				p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(time.Now())}}
				_, _ = cs.CoreV1().Pods(ns).UpdateStatus(ctx, &p, metav1.UpdateOptions{})
			}
			return false, nil
		})
	}()
}

func newDeployment(name string, replicas int32, image string) *appsv1.Deployment {
	surge, unavailable := intstr.FromInt32(1), intstr.FromInt32(1)
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavailable}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: image}}},
			},
		},
	}
}

// waitRolledOut waits for what kubectl rollout status waits for, checking
// at every look that the pods stay within the surge and unavailability
// bounds.
func waitRolledOut(t *testing.T, ns, name string, maxPods, minAvailable int32) *appsv1.Deployment {
	t.Helper()
	var d *appsv1.Deployment
	eventually(t, "rolled out", func(ctx context.Context) (bool, string, error) {
		var err error
		if d, err = cs.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{}); err != nil {
			return false, "", err
		}
		st := d.Status
		if st.Replicas > maxPods {
			t.Errorf("%d pods; want at most %d", st.Replicas, maxPods)
		}
		if st.ObservedGeneration > 1 && st.AvailableReplicas < minAvailable {
			t.Errorf("%d available; want at least %d", st.AvailableReplicas, minAvailable)
		}
		prog := deploymentCondition(d, appsv1.DeploymentProgressing)
		r := *d.Spec.Replicas
		return st.ObservedGeneration >= d.Generation && st.UpdatedReplicas == r && st.Replicas == r && st.AvailableReplicas == r &&
			prog.Reason == "NewReplicaSetAvailable", fmt.Sprintf("status %+v", st), nil
	})
	return d
}

func deploymentCondition(d *appsv1.Deployment, t appsv1.DeploymentConditionType) appsv1.DeploymentCondition {
	for _, c := range d.Status.Conditions {
		if c.Type == t {
			return c
		}
	}
	return appsv1.DeploymentCondition{}
}

func TestDeploymentRollingUpdate(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "deploy")
	fakeKubelet(t, ns)
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, newDeployment("whoami", 3, "whoami:v1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	d := waitRolledOut(t, ns, "whoami", 4, 0)
	if got := d.Annotations["deployment.kubernetes.io/revision"]; got != "1" {
		t.Errorf("revision = %q; want 1", got)
	}
	// The controller sets the revision through deployments/status, as
	// upstream's: an annotation change through the Deployment itself
	// would bump its generation.
	if d.Generation != 1 {
		t.Errorf("generation of a new Deployment = %d; want 1", d.Generation)
	}
	if c := deploymentCondition(d, appsv1.DeploymentAvailable); c.Status != corev1.ConditionTrue || c.Reason != "MinimumReplicasAvailable" {
		t.Errorf("Available = %+v; want True MinimumReplicasAvailable", c)
	}
	d.Spec.Template.Spec.Containers[0].Image = "whoami:v2"
	if _, err := cs.AppsV1().Deployments(ns).Update(ctx, d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	d = waitRolledOut(t, ns, "whoami", 4, 2)
	if got := d.Annotations["deployment.kubernetes.io/revision"]; got != "2" {
		t.Errorf("revision after set image = %q; want 2", got)
	}
	if d.Generation != 2 {
		t.Errorf("generation after one template change = %d; want 2", d.Generation)
	}
	rss, err := cs.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rss.Items) != 2 {
		t.Fatalf("%d replicasets; want 2 (old kept for history)", len(rss.Items))
	}
	for _, rs := range rss.Items {
		want := int32(0)
		if rs.Annotations["deployment.kubernetes.io/revision"] == "2" {
			want = 3
		}
		if *rs.Spec.Replicas != want || rs.Labels["pod-template-hash"] == "" {
			t.Errorf("replicaset %s (revision %s): %d replicas, hash %q; want %d and a hash",
				rs.Name, rs.Annotations["deployment.kubernetes.io/revision"], *rs.Spec.Replicas, rs.Labels["pod-template-hash"], want)
		}
	}
	// Rolling back to the first template makes its ReplicaSet revision 3.
	d.Spec.Template.Spec.Containers[0].Image = "whoami:v1"
	if _, err := cs.AppsV1().Deployments(ns).Update(ctx, d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	d = waitRolledOut(t, ns, "whoami", 4, 2)
	if got := d.Annotations["deployment.kubernetes.io/revision"]; got != "3" {
		t.Errorf("revision after rollback = %q; want 3", got)
	}
}

func TestDeploymentRecreate(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "recreate")
	fakeKubelet(t, ns)
	dep := newDeployment("db", 2, "db:v1")
	dep.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	d := waitRolledOut(t, ns, "db", 2, 0)
	d.Spec.Template.Spec.Containers[0].Image = "db:v2"
	if _, err := cs.AppsV1().Deployments(ns).Update(ctx, d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitRolledOut(t, ns, "db", 2, 0)
}
