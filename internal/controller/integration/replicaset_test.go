package integration

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/util/retry"
)

func newReplicaSet(name string, replicas int32, app string) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": app}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "whoami"}}},
			},
		},
	}
}

// activePods lists the pods matching app that are not being deleted.
func activePods(ctx context.Context, ns, app string) ([]corev1.Pod, error) {
	list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: labels.Set{"app": app}.String()})
	if err != nil {
		return nil, err
	}
	var out []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

func waitReplicas(t *testing.T, ns, rsName, app string, want int) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	eventually(t, fmt.Sprintf("%d pods and status", want), func(ctx context.Context) (bool, string, error) {
		var err error
		if pods, err = activePods(ctx, ns, app); err != nil {
			return false, "", err
		}
		rs, err := cs.AppsV1().ReplicaSets(ns).Get(ctx, rsName, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		st := rs.Status
		return len(pods) == want && st.Replicas == int32(want) && st.FullyLabeledReplicas == int32(want) && st.ObservedGeneration == rs.Generation,
			fmt.Sprintf("%d pods, status %+v", len(pods), st), nil
	})
	return pods
}

func TestReplicaSetScale(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "rs-scale")
	if _, err := cs.AppsV1().ReplicaSets(ns).Create(ctx, newReplicaSet("web", 5, "web"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pods := waitReplicas(t, ns, "web", "web", 5)
	for _, p := range pods {
		ref := metav1.GetControllerOf(&p)
		if ref == nil || ref.Kind != "ReplicaSet" || ref.Name != "web" || ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
			t.Errorf("pod %s controller = %+v; want ReplicaSet web, blocking", p.Name, ref)
		}
	}
	// Two pods become ready and scheduled; scaling down to two must keep
	// exactly those.
	keep := map[string]bool{}
	for _, p := range pods[:2] {
		markReady(t, ns, p.Name)
		keep[p.Name] = true
	}
	eventually(t, "readyReplicas 2", func(ctx context.Context) (bool, string, error) {
		rs, err := cs.AppsV1().ReplicaSets(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return rs.Status.ReadyReplicas == 2 && rs.Status.AvailableReplicas == 2, fmt.Sprintf("status %+v", rs.Status), nil
	})
	scale(t, ns, "web", 2)
	for _, p := range waitReplicas(t, ns, "web", "web", 2) {
		if !keep[p.Name] {
			t.Errorf("after scale down, pod %s kept; want the ready pods %v kept", p.Name, keep)
		}
	}
	// A deleted pod is replaced.
	if err := cs.CoreV1().Pods(ns).Delete(ctx, pods[0].Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitReplicas(t, ns, "web", "web", 2)
}

func TestReplicaSetAdoptAndRelease(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "rs-adopt")
	orphan := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "orphan", Labels: map[string]string{"app": "db"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "whoami"}}}}
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, orphan, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.AppsV1().ReplicaSets(ns).Create(ctx, newReplicaSet("db", 2, "db"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitReplicas(t, ns, "db", "db", 2)
	p, err := cs.CoreV1().Pods(ns).Get(ctx, "orphan", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ref := metav1.GetControllerOf(p); ref == nil || ref.Name != "db" {
		t.Fatalf("orphan controller = %+v; want ReplicaSet db", ref)
	}
	// Relabelled, the pod is released and replaced.
	p.Labels = map[string]string{"app": "other"}
	if _, err := cs.CoreV1().Pods(ns).Update(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitReplicas(t, ns, "db", "db", 2)
	eventually(t, "released", func(ctx context.Context) (bool, string, error) {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, "orphan", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return len(p.OwnerReferences) == 0, fmt.Sprintf("owners %v", p.OwnerReferences), nil
	})
}

// TestReplicaSetCascade: deleting a ReplicaSet deletes its pods through
// the garbage collector.
func TestReplicaSetCascade(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "rs-gc")
	if _, err := cs.AppsV1().ReplicaSets(ns).Create(ctx, newReplicaSet("job", 3, "job"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitReplicas(t, ns, "job", "job", 3)
	fg := metav1.DeletePropagationForeground
	if err := cs.AppsV1().ReplicaSets(ns).Delete(ctx, "job", metav1.DeleteOptions{PropagationPolicy: &fg}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "pods and replicaset gone", func(ctx context.Context) (bool, string, error) {
		pods, err := activePods(ctx, ns, "job")
		if err != nil {
			return false, "", err
		}
		rsGone, state, err := gone(ctx, func(ctx context.Context) (metav1.Object, error) {
			return cs.AppsV1().ReplicaSets(ns).Get(ctx, "job", metav1.GetOptions{})
		})
		return len(pods) == 0 && rsGone, fmt.Sprintf("%d pods; %s", len(pods), state), err
	})
}

func scale(t *testing.T, ns, name string, n int32) {
	t.Helper()
	ctx := context.Background()
	s, err := cs.AppsV1().ReplicaSets(ns).GetScale(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Spec.Replicas = n
	if _, err := cs.AppsV1().ReplicaSets(ns).UpdateScale(ctx, name, s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// markReady does what a kubelet would: the pod is bound, Running and Ready.
func markReady(t *testing.T, ns, name string) {
	t.Helper()
	ctx := context.Background()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		p.Status.Phase = corev1.PodRunning
		now := metav1.NewTime(time.Now())
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now}}
		_, err = cs.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatalf("mark pod %s ready: %v", name, err)
	}
}
