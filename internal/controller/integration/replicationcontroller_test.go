package integration

import (
	"context"
	"fmt"
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
)

func newRC(name string, replicas int32) *corev1.ReplicationController {
	return &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.ReplicationControllerSpec{
			Replicas: &replicas,
			Selector: map[string]string{"app": name},
			Template: &corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "whoami"}}},
			},
		},
	}
}

// waitRC waits for want active pods and a status that shows them Ready.
func waitRC(t *testing.T, ns, name string, want int32) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	eventually(t, fmt.Sprintf("rc %s with %d ready pods", name, want), func(ctx context.Context) (bool, string, error) {
		var err error
		if pods, err = activePods(ctx, ns, name); err != nil {
			return false, "", err
		}
		rc, err := cs.CoreV1().ReplicationControllers(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		st := rc.Status
		return len(pods) == int(want) && st.Replicas == want && st.FullyLabeledReplicas == want && st.ReadyReplicas == want &&
				st.AvailableReplicas == want && st.ObservedGeneration == rc.Generation,
			fmt.Sprintf("%d pods, status %+v", len(pods), st), nil
	})
	return pods
}

func TestReplicationControllerScale(t *testing.T) {
	startHollowNodes(t, "rc-", 2)
	ctx := context.Background()
	ns := newNamespace(t, "rc")
	if _, err := cs.CoreV1().ReplicationControllers(ns).Create(ctx, newRC("web", 3), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, p := range waitRC(t, ns, "web", 3) {
		ref := metav1.GetControllerOf(&p)
		if ref == nil || ref.Kind != "ReplicationController" || ref.APIVersion != "v1" || ref.Name != "web" {
			t.Errorf("pod %s controller = %+v; want ReplicationController web", p.Name, ref)
		}
	}
	// kubectl scale rc goes through the scale subresource.
	for _, n := range []int32{5, 1} {
		sc := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns}, Spec: autoscalingv1.ScaleSpec{Replicas: n}}
		if _, err := cs.CoreV1().ReplicationControllers(ns).UpdateScale(ctx, "web", sc, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("scale to %d: %v", n, err)
		}
		waitRC(t, ns, "web", n)
	}
	eventually(t, "SuccessfulCreate and SuccessfulDelete events", func(ctx context.Context) (bool, string, error) {
		evs, err := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("involvedObject.name", "web").String()})
		if err != nil {
			return false, "", err
		}
		seen := map[string]bool{}
		for _, e := range evs.Items {
			if e.InvolvedObject.Kind == "ReplicationController" && e.Source.Component == "replication-controller" {
				seen[e.Reason] = true
			}
		}
		return seen["SuccessfulCreate"] && seen["SuccessfulDelete"], fmt.Sprintf("%v", seen), nil
	})
}

func TestReplicationControllerAdoptsOrphans(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "rc-adopt")
	orphan := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "orphan", Labels: map[string]string{"app": "keep"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "whoami"}}}}
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, orphan, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().ReplicationControllers(ns).Create(ctx, newRC("keep", 2), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "orphan adopted and one pod created", func(ctx context.Context) (bool, string, error) {
		pods, err := activePods(ctx, ns, "keep")
		if err != nil {
			return false, "", err
		}
		adopted := false
		for _, p := range pods {
			if ref := metav1.GetControllerOf(&p); p.Name == "orphan" && ref != nil && ref.Kind == "ReplicationController" {
				adopted = true
			}
		}
		return adopted && len(pods) == 2, fmt.Sprintf("%d pods, adopted %v", len(pods), adopted), nil
	})
}
