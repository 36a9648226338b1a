package integration

import (
	"context"
	"strings"
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// finalizeNamespace checks that a deleted namespace is Terminating, then
// clears its finalizers through namespaces/finalize, which removes it.
func finalizeNamespace(t *testing.T, name string) {
	t.Helper()
	ctx := ctxFor(t)
	nsc := shared.cs.CoreV1().Namespaces()
	ns, err := nsc.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get deleted namespace %s: %v", name, err)
	}
	if ns.DeletionTimestamp == nil || ns.Status.Phase != corev1.NamespaceTerminating {
		t.Errorf("deleted namespace: deletionTimestamp %v phase %s; want set and Terminating", ns.DeletionTimestamp, ns.Status.Phase)
	}
	ns.Spec.Finalizers = nil
	if _, err := nsc.Finalize(ctx, ns, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("finalize %s: %v", name, err)
	}
}

func TestNamespaceFinalize(t *testing.T) {
	ctx := ctxFor(t)
	nsc := shared.cs.CoreV1().Namespaces()
	ns := newNamespace(t)
	got, err := nsc.Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Spec.Finalizers) != 1 || got.Spec.Finalizers[0] != corev1.FinalizerKubernetes {
		t.Errorf("new namespace spec.finalizers = %v; want [kubernetes]", got.Spec.Finalizers)
	}
	if err := nsc.Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete namespace: %v", err)
	}
	// Admission reads namespaces from the watch cache, as upstream's
	// informer-fed NamespaceLifecycle does: wait until it saw the deletion.
	deleted, err := nsc.Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nsc.Get(ctx, ns, metav1.GetOptions{ResourceVersion: deleted.ResourceVersion}); err != nil {
		t.Fatal(err)
	}
	_, err = shared.cs.CoreV1().ConfigMaps(ns).Create(ctx, newConfigMap(ns, "late"), metav1.CreateOptions{})
	if !apierrors.IsForbidden(err) {
		t.Errorf("create in terminating namespace: err %v; want Forbidden", err)
	}
	finalizeNamespace(t, ns)
	if _, err := nsc.Get(ctx, ns, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("get finalized namespace: err %v; want NotFound", err)
	}
	if err := nsc.Delete(ctx, "default", metav1.DeleteOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("delete namespace default: err %v; want Forbidden", err)
	}
}

func TestStatusSubresource(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	dc := shared.cs.AppsV1().Deployments(ns)
	d, err := dc.Create(ctx, newDeployment(ns, "web"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Status written with the main resource is dropped.
	d.Status.Replicas = 7
	d.Spec.Replicas = ptrInt32(2)
	d, err = dc.Update(ctx, d, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if d.Status.Replicas != 0 || *d.Spec.Replicas != 2 {
		t.Errorf("update: status.replicas %d spec.replicas %d; want 0 (status ignored) and 2", d.Status.Replicas, *d.Spec.Replicas)
	}
	// Spec written through status is dropped.
	d.Status.Replicas = 3
	d.Status.ObservedGeneration = d.Generation
	d.Spec.Replicas = ptrInt32(9)
	d, err = dc.UpdateStatus(ctx, d, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update status: %v", err)
	}
	if d.Status.Replicas != 3 || *d.Spec.Replicas != 2 {
		t.Errorf("update status: status.replicas %d spec.replicas %d; want 3 and 2 (spec ignored)", d.Status.Replicas, *d.Spec.Replicas)
	}
	gen := d.Generation
	d, err = dc.Patch(ctx, "web", types.MergePatchType, []byte(`{"status":{"availableReplicas":1}}`), metav1.PatchOptions{}, "status")
	if err != nil {
		t.Fatalf("patch status: %v", err)
	}
	if d.Status.AvailableReplicas != 1 || d.Generation != gen {
		t.Errorf("patch status: availableReplicas %d generation %d; want 1 and %d", d.Status.AvailableReplicas, d.Generation, gen)
	}

	pc := shared.cs.CoreV1().Pods(ns)
	pod, err := pc.Create(ctx, newPod(ns, "p"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pod.Status.Phase != corev1.PodPending {
		t.Errorf("new pod phase %q; want Pending", pod.Status.Phase)
	}
	pod.Status.Phase = corev1.PodRunning
	pod.Status.PodIP = "10.42.0.9"
	pod, err = pc.UpdateStatus(ctx, pod, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("pod update status: %v", err)
	}
	if pod.Status.Phase != corev1.PodRunning || pod.Status.PodIP != "10.42.0.9" {
		t.Errorf("pod status %s %s; want Running 10.42.0.9", pod.Status.Phase, pod.Status.PodIP)
	}
}

func ptrInt32(n int32) *int32 { return &n }

// scaleClient is the scale subresource of a typed client.
type scaleClient interface {
	GetScale(ctx context.Context, name string, opts metav1.GetOptions) (*autoscalingv1.Scale, error)
	UpdateScale(ctx context.Context, name string, scale *autoscalingv1.Scale, opts metav1.UpdateOptions) (*autoscalingv1.Scale, error)
}

func TestScaleSubresource(t *testing.T) {
	ns := newNamespace(t)
	cs := shared.cs
	tests := []struct {
		name     string
		create   func(ctx context.Context) error
		client   scaleClient
		replicas func(ctx context.Context) (int32, error)
	}{
		{name: "deployments", client: cs.AppsV1().Deployments(ns),
			create: func(ctx context.Context) error {
				_, err := cs.AppsV1().Deployments(ns).Create(ctx, newDeployment(ns, "s"), metav1.CreateOptions{})
				return err
			},
			replicas: func(ctx context.Context) (int32, error) {
				o, err := cs.AppsV1().Deployments(ns).Get(ctx, "s", metav1.GetOptions{})
				if err != nil {
					return 0, err
				}
				return *o.Spec.Replicas, nil
			}},
		{name: "replicasets", client: cs.AppsV1().ReplicaSets(ns),
			create: func(ctx context.Context) error {
				_, err := cs.AppsV1().ReplicaSets(ns).Create(ctx, newReplicaSet(ns, "s"), metav1.CreateOptions{})
				return err
			},
			replicas: func(ctx context.Context) (int32, error) {
				o, err := cs.AppsV1().ReplicaSets(ns).Get(ctx, "s", metav1.GetOptions{})
				if err != nil {
					return 0, err
				}
				return *o.Spec.Replicas, nil
			}},
		{name: "statefulsets", client: cs.AppsV1().StatefulSets(ns),
			create: func(ctx context.Context) error {
				_, err := cs.AppsV1().StatefulSets(ns).Create(ctx, newStatefulSet(ns, "s"), metav1.CreateOptions{})
				return err
			},
			replicas: func(ctx context.Context) (int32, error) {
				o, err := cs.AppsV1().StatefulSets(ns).Get(ctx, "s", metav1.GetOptions{})
				if err != nil {
					return 0, err
				}
				return *o.Spec.Replicas, nil
			}},
		{name: "replicationcontrollers", client: cs.CoreV1().ReplicationControllers(ns),
			create: func(ctx context.Context) error {
				_, err := cs.CoreV1().ReplicationControllers(ns).Create(ctx, newRC(ns, "s"), metav1.CreateOptions{})
				return err
			},
			replicas: func(ctx context.Context) (int32, error) {
				o, err := cs.CoreV1().ReplicationControllers(ns).Get(ctx, "s", metav1.GetOptions{})
				if err != nil {
					return 0, err
				}
				return *o.Spec.Replicas, nil
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctxFor(t)
			if err := tc.create(ctx); err != nil {
				t.Fatalf("create: %v", err)
			}
			sc, err := tc.client.GetScale(ctx, "s", metav1.GetOptions{})
			if err != nil {
				t.Fatalf("get scale: %v", err)
			}
			if sc.Spec.Replicas != 1 || sc.Status.Selector != "app=s" {
				t.Errorf("get scale: replicas %d selector %q; want replicas 1 selector app=s", sc.Spec.Replicas, sc.Status.Selector)
			}
			stale := sc.DeepCopy()
			sc.Spec.Replicas = 5
			sc, err = tc.client.UpdateScale(ctx, "s", sc, metav1.UpdateOptions{})
			if err != nil {
				t.Fatalf("update scale: %v", err)
			}
			if sc.Spec.Replicas != 5 {
				t.Errorf("update scale: replicas %d; want 5", sc.Spec.Replicas)
			}
			if n, err := tc.replicas(ctx); err != nil || n != 5 {
				t.Errorf("spec.replicas after scale = %d (err %v); want 5", n, err)
			}
			stale.Spec.Replicas = 2
			if _, err := tc.client.UpdateScale(ctx, "s", stale, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
				t.Errorf("update scale with stale resourceVersion: err %v; want Conflict", err)
			}
		})
	}
}

func TestPodBinding(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	pc := shared.cs.CoreV1().Pods(ns)
	if _, err := pc.Create(ctx, newPod(ns, "p"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	b := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: ns}, Target: corev1.ObjectReference{Kind: "Node", Name: "node-1"}}
	if err := pc.Bind(ctx, b, metav1.CreateOptions{}); err != nil {
		t.Fatalf("bind: %v", err)
	}
	pod, err := pc.Get(ctx, "p", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pod.Spec.NodeName != "node-1" {
		t.Errorf("spec.nodeName after binding = %q; want node-1", pod.Spec.NodeName)
	}
	scheduled := false
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionTrue {
			scheduled = true
		}
	}
	if !scheduled {
		t.Errorf("conditions after binding = %v; want PodScheduled=True", pod.Status.Conditions)
	}
	// As upstream, the binding records no managedFields: no manager owns
	// spec.nodeName.
	for _, mf := range pod.ManagedFields {
		if mf.FieldsV1 != nil && strings.Contains(string(mf.FieldsV1.Raw), `"f:nodeName"`) {
			t.Errorf("managedFields after binding: manager %q (%s %s) owns spec.nodeName; want no entry from the binding", mf.Manager, mf.Operation, mf.Subresource)
		}
	}
	b.Target.Name = "node-2"
	if err := pc.Bind(ctx, b, metav1.CreateOptions{}); !apierrors.IsConflict(err) {
		t.Errorf("second bind: err %v; want Conflict", err)
	}
	missing := b.DeepCopy()
	missing.Name = "nope"
	if err := pc.Bind(ctx, missing, metav1.CreateOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("bind missing pod: err %v; want NotFound", err)
	}
}

func TestPodEviction(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	pc := shared.cs.CoreV1().Pods(ns)
	// A pending pod without a budget goes at once.
	if _, err := pc.Create(ctx, newPod(ns, "free"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ev := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "free", Namespace: ns}}
	if err := pc.EvictV1(ctx, ev); err != nil {
		t.Fatalf("evict free pod: %v", err)
	}
	if _, err := pc.Get(ctx, "free", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("get evicted pod: err %v; want NotFound", err)
	}

	// A running pod guarded by a budget allowing no disruption: 429.
	pod := newPod(ns, "guarded")
	pod.Labels = map[string]string{"app": "guarded"}
	pod, err := pc.Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod.Status.Phase = corev1.PodRunning
	// Ready: an unready pod may go without a disruption while the budget
	// is met (unhealthyPodEvictionPolicy IfHealthyBudget).
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	if _, err := pc.UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("pod status: %v", err)
	}
	pdbc := shared.cs.PolicyV1().PodDisruptionBudgets(ns)
	pdb, err := pdbc.Create(ctx, newPDB(ns, "guarded"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pdb.Status = policyv1.PodDisruptionBudgetStatus{ObservedGeneration: pdb.Generation, DisruptionsAllowed: 0, CurrentHealthy: 1, DesiredHealthy: 1, ExpectedPods: 1}
	if pdb, err = pdbc.UpdateStatus(ctx, pdb, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("pdb status: %v", err)
	}
	ev = &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "guarded", Namespace: ns}}
	if err := pc.EvictV1(ctx, ev); !apierrors.IsTooManyRequests(err) {
		t.Errorf("evict guarded pod: err %v; want 429 TooManyRequests", err)
	}
	pdb.Status.DisruptionsAllowed = 1
	if _, err = pdbc.UpdateStatus(ctx, pdb, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("pdb status: %v", err)
	}
	if err := pc.EvictV1(ctx, ev); err != nil {
		t.Fatalf("evict guarded pod with budget: %v", err)
	}
	got, err := pdbc.Get(ctx, "guarded", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status.DisruptionsAllowed != 0 {
		t.Errorf("pdb disruptionsAllowed after eviction = %d; want 0", got.Status.DisruptionsAllowed)
	}
	if _, err := pc.Get(ctx, "guarded", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("get evicted unbound pod: err %v; want NotFound", err)
	}
}

func TestCSRApproval(t *testing.T) {
	ctx := ctxFor(t)
	cc := shared.cs.CertificatesV1().CertificateSigningRequests()
	name := uniqueName("csr")
	csr, err := cc.Create(ctx, newCSR("", name), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Conditions written with the main resource are dropped.
	csr.Status.Conditions = []certificatesv1.CertificateSigningRequestCondition{{Type: certificatesv1.CertificateApproved, Status: corev1.ConditionTrue, Reason: "Sneaky"}}
	csr, err = cc.Update(ctx, csr, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if len(csr.Status.Conditions) != 0 {
		t.Errorf("update wrote conditions %v; want none", csr.Status.Conditions)
	}
	csr.Status.Conditions = []certificatesv1.CertificateSigningRequestCondition{{
		Type: certificatesv1.CertificateApproved, Status: corev1.ConditionTrue, Reason: "Test", Message: "approved by test"}}
	csr, err = cc.UpdateApproval(ctx, name, csr, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update approval: %v", err)
	}
	if len(csr.Status.Conditions) != 1 || csr.Status.Conditions[0].Type != certificatesv1.CertificateApproved {
		t.Errorf("conditions after approval = %v; want one Approved", csr.Status.Conditions)
	}
	csr.Spec.SignerName = "example.com/other"
	csr.Status.Conditions[0].Message = "still approved"
	if csr, err = cc.UpdateApproval(ctx, name, csr, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("second approval update: %v", err)
	}
	if csr.Spec.SignerName != "example.com/signer" {
		t.Errorf("approval changed spec.signerName to %q; want it kept", csr.Spec.SignerName)
	}
}

// TestScaleBumpsGeneration: a write to the scale subresource changes the
// spec, so the object's generation goes up, as upstream (a write that
// changed the stored object in place would compare it to itself and not).
func TestScaleBumpsGeneration(t *testing.T) {
	ns := newNamespace(t)
	ctx := context.Background()
	deps := shared.cs.AppsV1().Deployments(ns)
	d, err := deps.Create(ctx, newDeployment(ns, "gen"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := deps.GetScale(ctx, "gen", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sc.Spec.Replicas++
	if _, err := deps.UpdateScale(ctx, "gen", sc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := deps.Get(ctx, "gen", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Generation != d.Generation+1 || *got.Spec.Replicas != sc.Spec.Replicas {
		t.Errorf("after a scale to %d: generation %d, replicas %d; want generation %d", sc.Spec.Replicas, got.Generation, *got.Spec.Replicas, d.Generation+1)
	}
}
