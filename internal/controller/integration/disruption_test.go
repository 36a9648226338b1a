package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func newPDB(name, app string, minAvailable, maxUnavailable *intstr.IntOrString) *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: minAvailable, MaxUnavailable: maxUnavailable,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}},
	}
}

// waitPDB waits until the budget's status shows want (conditions and
// disruptedPods aside) for its current generation.
func waitPDB(t *testing.T, ns, name string, want policyv1.PodDisruptionBudgetStatus) *policyv1.PodDisruptionBudget {
	t.Helper()
	var pdb *policyv1.PodDisruptionBudget
	eventually(t, fmt.Sprintf("pdb %s status %+v", name, want), func(ctx context.Context) (bool, string, error) {
		var err error
		if pdb, err = cs.PolicyV1().PodDisruptionBudgets(ns).Get(ctx, name, metav1.GetOptions{}); err != nil {
			return false, "", err
		}
		st := pdb.Status
		return st.ObservedGeneration == pdb.Generation && st.CurrentHealthy == want.CurrentHealthy && st.DesiredHealthy == want.DesiredHealthy &&
				st.ExpectedPods == want.ExpectedPods && st.DisruptionsAllowed == want.DisruptionsAllowed,
			fmt.Sprintf("%+v", st), nil
	})
	return pdb
}

func pdbCondition(pdb *policyv1.PodDisruptionBudget) metav1.Condition {
	for _, c := range pdb.Status.Conditions {
		if c.Type == policyv1.DisruptionAllowedCondition {
			return c
		}
	}
	return metav1.Condition{}
}

func TestDisruptionBudgetAndEviction(t *testing.T) {
	startHollowNodes(t, "pdb-", 3)
	ctx := context.Background()
	ns := newNamespace(t, "pdb")
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, newDeployment("web", 3, "whoami"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	two, half := intstr.FromInt32(2), intstr.FromString("50%")
	if _, err := cs.PolicyV1().PodDisruptionBudgets(ns).Create(ctx, newPDB("web", "web", &two, nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.PolicyV1().PodDisruptionBudgets(ns).Create(ctx, newPDB("half", "none", nil, &half), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pdb := waitPDB(t, ns, "web", policyv1.PodDisruptionBudgetStatus{CurrentHealthy: 3, DesiredHealthy: 2, ExpectedPods: 3, DisruptionsAllowed: 1})
	if c := pdbCondition(pdb); c.Status != metav1.ConditionTrue || c.Reason != policyv1.SufficientPodsReason {
		t.Errorf("DisruptionAllowed = %s %s; want True SufficientPods", c.Status, c.Reason)
	}
	waitPDB(t, ns, "half", policyv1.PodDisruptionBudgetStatus{})

	pods, err := activePods(ctx, ns, "web")
	if err != nil || len(pods) != 3 {
		t.Fatalf("pods = %d, %v; want 3", len(pods), err)
	}
	evict := func(name string) error {
		return cs.CoreV1().Pods(ns).EvictV1(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}})
	}
	if err := evict(pods[0].Name); err != nil {
		t.Fatalf("evict %s: %v", pods[0].Name, err)
	}
	err = evict(pods[1].Name)
	if !apierrors.IsTooManyRequests(err) {
		t.Fatalf("second eviction: err %v; want 429", err)
	}
	st, _ := err.(apierrors.APIStatus)
	if msg := st.Status().Message; msg != "Cannot evict pod as it would violate the pod's disruption budget." {
		t.Errorf("429 message = %q; want upstream's", msg)
	}
	if causes := st.Status().Details.Causes; len(causes) != 1 || !strings.HasPrefix(causes[0].Message, "The disruption budget web needs 2 healthy pods and has") {
		t.Errorf("429 causes = %+v; want the budget's", causes)
	}
	// The Deployment replaces the evicted pod; the budget allows one again
	// and forgets the evicted pod.
	pdb = waitPDB(t, ns, "web", policyv1.PodDisruptionBudgetStatus{CurrentHealthy: 3, DesiredHealthy: 2, ExpectedPods: 3, DisruptionsAllowed: 1})
	if len(pdb.Status.DisruptedPods) != 0 {
		t.Errorf("disruptedPods = %v; want empty once the pod is gone", pdb.Status.DisruptedPods)
	}
	if err := evict(pods[1].Name); err != nil {
		t.Errorf("evict %s after recovery: %v", pods[1].Name, err)
	}

	// maxUnavailable as a percentage reads the Deployment's replicas.
	pct := intstr.FromString("34%")
	if _, err := cs.PolicyV1().PodDisruptionBudgets(ns).Create(ctx, newPDB("pct", "web", nil, &pct), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitPDB(t, ns, "pct", policyv1.PodDisruptionBudgetStatus{CurrentHealthy: 3, DesiredHealthy: 1, ExpectedPods: 3, DisruptionsAllowed: 2})
}

func TestDisruptionBudgetSyncFailed(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "pdb-fail")
	// A pod controlled by a kind no finder knows: the percentage cannot be
	// scaled, so the budget fails safe.
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Labels: map[string]string{"app": "odd"},
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "example.com/v1", Kind: "Thing", Name: "t", UID: "u-1", Controller: ptrTo(true)}}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "whoami"}}}}
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	half := intstr.FromString("50%")
	if _, err := cs.PolicyV1().PodDisruptionBudgets(ns).Create(ctx, newPDB("odd", "odd", &half, nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "SyncFailed condition", func(ctx context.Context) (bool, string, error) {
		pdb, err := cs.PolicyV1().PodDisruptionBudgets(ns).Get(ctx, "odd", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		c := pdbCondition(pdb)
		return c.Status == metav1.ConditionFalse && c.Reason == policyv1.SyncFailedReason && strings.Contains(c.Message, `found no controllers for pod "p"`),
			fmt.Sprintf("%+v", c), nil
	})
}

func ptrTo[T any](v T) *T { return &v }
