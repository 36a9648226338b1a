package integration

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/wait"
)

// Each test uses its own storage class names and volume names (prefix),
// since volumes and classes are cluster-scoped and the server is shared.

func newPV(name, class, size string, policy corev1.PersistentVolumeReclaimPolicy) *corev1.PersistentVolume {
	return &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"pv": name}},
		Spec: corev1.PersistentVolumeSpec{StorageClassName: class, AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)},
			PersistentVolumeReclaimPolicy: policy,
			PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/tmp/" + name}}}}
}

func newPVC(name, class, size string) *corev1.PersistentVolumeClaim {
	c := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)}}}}
	c.Spec.StorageClassName = &class
	return c
}

func createPVs(t *testing.T, pvs ...*corev1.PersistentVolume) {
	t.Helper()
	for _, pv := range pvs {
		if _, err := cs.CoreV1().PersistentVolumes().Create(context.Background(), pv, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create volume %s: %v", pv.Name, err)
		}
		name := pv.Name
		t.Cleanup(func() { _ = cs.CoreV1().PersistentVolumes().Delete(context.Background(), name, metav1.DeleteOptions{}) })
	}
	// The controller binds claims only to volumes it has marked Available,
	// as upstream. A claim created before that could only get the volumes
	// marked so far, not the best match, so wait for all of them.
	for _, pv := range pvs {
		if pv.Spec.ClaimRef != nil {
			continue
		}
		eventually(t, "volume "+pv.Name+" Available", func(ctx context.Context) (bool, string, error) {
			v, err := cs.CoreV1().PersistentVolumes().Get(ctx, pv.Name, metav1.GetOptions{})
			if err != nil {
				return false, "", err
			}
			return v.Status.Phase == corev1.VolumeAvailable, "phase " + string(v.Status.Phase), nil
		})
	}
}

func createClass(t *testing.T, name string, mode storagev1.VolumeBindingMode) {
	t.Helper()
	_, err := cs.StorageV1().StorageClasses().Create(context.Background(), &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: name},
		Provisioner: "kubernetes.io/no-provisioner", VolumeBindingMode: &mode}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create class %s: %v", name, err)
	}
	t.Cleanup(func() { _ = cs.StorageV1().StorageClasses().Delete(context.Background(), name, metav1.DeleteOptions{}) })
}

func createPVC(t *testing.T, ns string, c *corev1.PersistentVolumeClaim) {
	t.Helper()
	if _, err := cs.CoreV1().PersistentVolumeClaims(ns).Create(context.Background(), c, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create claim %s: %v", c.Name, err)
	}
}

// waitClaimBound waits until claim ns/name is Bound to volume and the
// volume is Bound to it, and checks both sides as upstream writes them.
func waitClaimBound(t *testing.T, ns, name, volume string) {
	t.Helper()
	eventually(t, fmt.Sprintf("claim %s bound to %s", name, volume), func(ctx context.Context) (bool, string, error) {
		c, err := cs.CoreV1().PersistentVolumeClaims(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		pv, err := cs.CoreV1().PersistentVolumes().Get(ctx, volume, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		ref := pv.Spec.ClaimRef
		ok := c.Status.Phase == corev1.ClaimBound && c.Spec.VolumeName == volume && pv.Status.Phase == corev1.VolumeBound &&
			ref != nil && ref.Namespace == ns && ref.Name == name && ref.UID == c.UID
		return ok, fmt.Sprintf("claim %s volume %q; volume %s claimRef %+v", c.Status.Phase, c.Spec.VolumeName, pv.Status.Phase, ref), nil
	})
	c, err := cs.CoreV1().PersistentVolumeClaims(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pv, err := cs.CoreV1().PersistentVolumes().Get(context.Background(), volume, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Annotations["pv.kubernetes.io/bind-completed"] != "yes" {
		t.Errorf("claim %s annotations %v; want pv.kubernetes.io/bind-completed=yes", name, c.Annotations)
	}
	if got, want := c.Status.Capacity[corev1.ResourceStorage], pv.Spec.Capacity[corev1.ResourceStorage]; got.Cmp(want) != 0 ||
		!slices.Equal(c.Status.AccessModes, pv.Spec.AccessModes) {
		t.Errorf("claim %s status capacity %v modes %v; want the volume's %v %v", name, c.Status.Capacity, c.Status.AccessModes, pv.Spec.Capacity, pv.Spec.AccessModes)
	}
	if !slices.Contains(c.Finalizers, "kubernetes.io/pvc-protection") || !slices.Contains(pv.Finalizers, "kubernetes.io/pv-protection") {
		t.Errorf("finalizers: claim %v, volume %v; want the pvc- and pv-protection finalizers", c.Finalizers, pv.Finalizers)
	}
}

// waitEvent waits for an event of the persistentvolume-controller on the
// named object with reason and message.
func waitEvent(t *testing.T, ns, name, reason, message string) {
	t.Helper()
	eventually(t, fmt.Sprintf("%s event on %s", reason, name), func(ctx context.Context) (bool, string, error) {
		list, err := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("involvedObject.name", name).String()})
		if err != nil {
			return false, "", err
		}
		var seen []string
		for _, e := range list.Items {
			if e.Reason == reason && e.Message == message && e.Source.Component == "persistentvolume-controller" {
				return true, "", nil
			}
			seen = append(seen, e.Source.Component+" "+e.Reason+": "+e.Message)
		}
		return false, fmt.Sprintf("events %q", seen), nil
	})
}

func claimPhase(t *testing.T, ns, name string) corev1.PersistentVolumeClaimPhase {
	t.Helper()
	c, err := cs.CoreV1().PersistentVolumeClaims(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c.Status.Phase
}

// TestPersistentVolumeBindsSmallestMatch: an Immediate claim gets the
// smallest Available volume of its class that fits; one nothing matches
// stays Pending with FailedBinding; one naming a volume gets that one.
func TestPersistentVolumeBindsSmallestMatch(t *testing.T) {
	ns := newNamespace(t, "pv-bind")
	createClass(t, "pv-bind-fast", storagev1.VolumeBindingImmediate)
	createPVs(t, newPV("pv-bind-big", "pv-bind-fast", "10Gi", corev1.PersistentVolumeReclaimRetain),
		newPV("pv-bind-fit", "pv-bind-fast", "2Gi", corev1.PersistentVolumeReclaimRetain),
		newPV("pv-bind-small", "pv-bind-fast", "500Mi", corev1.PersistentVolumeReclaimRetain),
		newPV("pv-bind-other", "pv-bind-slow", "1Gi", corev1.PersistentVolumeReclaimRetain))
	createPVC(t, ns, newPVC("data", "pv-bind-fast", "1Gi"))
	waitClaimBound(t, ns, "data", "pv-bind-fit")

	named := newPVC("named", "pv-bind-fast", "1Gi")
	named.Spec.VolumeName = "pv-bind-big"
	createPVC(t, ns, named)
	waitClaimBound(t, ns, "named", "pv-bind-big")

	// No volume of class "" carries this label, and the claim has no class.
	none := newPVC("none", "", "1Gi")
	none.Spec.StorageClassName = nil
	none.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"pv": "pv-bind-nothing"}}
	createPVC(t, ns, none)
	waitEvent(t, ns, "none", "FailedBinding", "no persistent volumes available for this claim and no storage class is set")
	if got := claimPhase(t, ns, "none"); got != corev1.ClaimPending {
		t.Errorf("claim none phase = %s; want Pending", got)
	}
	pv, err := cs.CoreV1().PersistentVolumes().Get(context.Background(), "pv-bind-small", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pv.Status.Phase != corev1.VolumeAvailable || pv.Spec.ClaimRef != nil {
		t.Errorf("volume pv-bind-small phase %s claimRef %v; want Available and unclaimed", pv.Status.Phase, pv.Spec.ClaimRef)
	}
}

// TestPersistentVolumeWaitForFirstConsumer: the binder leaves a
// WaitForFirstConsumer claim to the scheduler and says so.
func TestPersistentVolumeWaitForFirstConsumer(t *testing.T) {
	ns := newNamespace(t, "pv-wffc")
	createClass(t, "pv-wffc-local", storagev1.VolumeBindingWaitForFirstConsumer)
	createPVs(t, newPV("pv-wffc-1", "pv-wffc-local", "1Gi", corev1.PersistentVolumeReclaimRetain))
	createPVC(t, ns, newPVC("data", "pv-wffc-local", "1Gi"))
	waitEvent(t, ns, "data", "WaitForFirstConsumer", "waiting for first consumer to be created before binding")
	if got := claimPhase(t, ns, "data"); got != corev1.ClaimPending {
		t.Errorf("claim phase = %s; want Pending", got)
	}
}

// TestPersistentVolumeReclaim: deleting a bound claim releases its volume:
// Retain keeps it Released, Delete deletes the object, Recycle fails.
func TestPersistentVolumeReclaim(t *testing.T) {
	ns := newNamespace(t, "pv-reclaim")
	ctx := context.Background()
	tests := []struct {
		policy corev1.PersistentVolumeReclaimPolicy
		check  func(ctx context.Context, name string) (bool, string, error)
	}{
		{policy: corev1.PersistentVolumeReclaimRetain, check: volumePhaseIs(corev1.VolumeReleased)},
		{policy: corev1.PersistentVolumeReclaimDelete, check: func(ctx context.Context, name string) (bool, string, error) {
			_, err := cs.CoreV1().PersistentVolumes().Get(ctx, name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return true, "", nil
			}
			return false, fmt.Sprintf("get: %v", err), nil
		}},
		{policy: corev1.PersistentVolumeReclaimRecycle, check: volumePhaseIs(corev1.VolumeFailed)},
	}
	for _, tt := range tests {
		class := "pv-reclaim-" + strings.ToLower(string(tt.policy))
		name := class
		createPVs(t, newPV(name, class, "1Gi", tt.policy))
		createPVC(t, ns, newPVC(class, class, "1Gi"))
		waitClaimBound(t, ns, class, name)
		if err := cs.CoreV1().PersistentVolumeClaims(ns).Delete(ctx, class, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, fmt.Sprintf("%s volume reclaimed", tt.policy), func(ctx context.Context) (bool, string, error) { return tt.check(ctx, name) })
	}
	waitEvent(t, "default", "pv-reclaim-recycle", "VolumeFailedRecycle", "No recycler plugin found for the volume!")
}

func volumePhaseIs(phase corev1.PersistentVolumePhase) func(ctx context.Context, name string) (bool, string, error) {
	return func(ctx context.Context, name string) (bool, string, error) {
		pv, err := cs.CoreV1().PersistentVolumes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return pv.Status.Phase == phase, fmt.Sprintf("phase %s", pv.Status.Phase), nil
	}
}

// TestPersistentVolumeClaimProtection: a claim a scheduled pod uses stays
// (with its deletionTimestamp) until the pod is gone.
func TestPersistentVolumeClaimProtection(t *testing.T) {
	ns := newNamespace(t, "pvc-prot")
	ctx := context.Background()
	createPVC(t, ns, newPVC("data", "pvc-prot-none", "1Gi"))
	eventually(t, "pvc-protection finalizer", func(ctx context.Context) (bool, string, error) {
		c, err := cs.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return slices.Contains(c.Finalizers, "kubernetes.io/pvc-protection"), fmt.Sprintf("finalizers %v", c.Finalizers), nil
	})
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "user"}, Spec: corev1.PodSpec{NodeName: "pvc-prot-nowhere",
		Containers: []corev1.Container{{Name: "c", Image: "busybox"}},
		Volumes: []corev1.Volume{{Name: "d", VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}}}}
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := cs.CoreV1().PersistentVolumeClaims(ns).Delete(ctx, "data", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	c, err := cs.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data", metav1.GetOptions{})
	if err != nil || c.DeletionTimestamp == nil {
		t.Fatalf("claim after delete: %v, %v; want it kept, being deleted", c, err)
	}
	zero := int64(0)
	if err := cs.CoreV1().Pods(ns).Delete(ctx, "user", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "claim gone after its pod", func(ctx context.Context) (bool, string, error) {
		c, err := cs.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, "", nil
		}
		if err != nil {
			return false, "", err
		}
		return false, fmt.Sprintf("finalizers %v", c.Finalizers), nil
	})
}

func withNodeAffinity(pv *corev1.PersistentVolume, node string) *corev1.PersistentVolume {
	pv.Spec.NodeAffinity = &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
		MatchExpressions: []corev1.NodeSelectorRequirement{{Key: corev1.LabelHostname, Operator: corev1.NodeSelectorOpIn, Values: []string{node}}}}}}}
	return pv
}

func podWithClaim(name, claim string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{
		Containers: []corev1.Container{{Name: "c", Image: "nginx:1"}},
		Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}}}}}
}

// TestPersistentVolumeWaitForFirstConsumerScheduling: a pod whose
// WaitForFirstConsumer claim only one node's local volume fits lands on
// that node and the claim ends Bound to that volume (Reserve and PreBind
// of VolumeBinding, then the binder); the next pod gets the other node's.
func TestPersistentVolumeWaitForFirstConsumerScheduling(t *testing.T) {
	startHollowNodes(t, "pvs-", 2)
	ns := newNamespace(t, "pv-sched")
	ctx := context.Background()
	createClass(t, "pv-sched-local", storagev1.VolumeBindingWaitForFirstConsumer)
	createPVs(t, withNodeAffinity(newPV("pv-sched-small", "pv-sched-local", "1Gi", corev1.PersistentVolumeReclaimDelete), "pvs-0"),
		withNodeAffinity(newPV("pv-sched-big", "pv-sched-local", "10Gi", corev1.PersistentVolumeReclaimDelete), "pvs-1"))
	for _, tt := range []struct{ claim, size, node, volume string }{
		{claim: "big", size: "5Gi", node: "pvs-1", volume: "pv-sched-big"},
		{claim: "small", size: "1Gi", node: "pvs-0", volume: "pv-sched-small"},
	} {
		createPVC(t, ns, newPVC(tt.claim, "pv-sched-local", tt.size))
		if _, err := cs.CoreV1().Pods(ns).Create(ctx, podWithClaim("use-"+tt.claim, tt.claim), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitClaimBound(t, ns, tt.claim, tt.volume)
		eventually(t, "pod use-"+tt.claim+" running on "+tt.node, func(ctx context.Context) (bool, string, error) {
			p, err := cs.CoreV1().Pods(ns).Get(ctx, "use-"+tt.claim, metav1.GetOptions{})
			if err != nil {
				return false, "", err
			}
			return p.Spec.NodeName == tt.node && p.Status.Phase == corev1.PodRunning, fmt.Sprintf("node %q phase %s", p.Spec.NodeName, p.Status.Phase), nil
		})
	}
}

// TestPersistentVolumeStatefulSetImmediate: a StatefulSet's claims of an
// Immediate class are each bound to one of the class's volumes, and the
// set rolls out.
func TestPersistentVolumeStatefulSetImmediate(t *testing.T) {
	startHollowNodes(t, "pvss-", 1)
	ns := newNamespace(t, "pv-sts")
	ctx := context.Background()
	createClass(t, "pv-sts-fast", storagev1.VolumeBindingImmediate)
	createPVs(t, newPV("pv-sts-0", "pv-sts-fast", "1Gi", corev1.PersistentVolumeReclaimDelete),
		newPV("pv-sts-1", "pv-sts-fast", "1Gi", corev1.PersistentVolumeReclaimDelete),
		newPV("pv-sts-2", "pv-sts-fast", "1Gi", corev1.PersistentVolumeReclaimDelete))
	set := newStatefulSet("web", 3, "nginx:1")
	set.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{*newPVC("www", "pv-sts-fast", "1Gi")}
	if _, err := cs.AppsV1().StatefulSets(ns).Create(ctx, set, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitSetRolledOut(t, ns, "web")
	used := map[string]string{}
	for i := range 3 {
		c, err := cs.CoreV1().PersistentVolumeClaims(ns).Get(ctx, fmt.Sprintf("www-web-%d", i), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if c.Status.Phase != corev1.ClaimBound || !strings.HasPrefix(c.Spec.VolumeName, "pv-sts-") {
			t.Errorf("claim %s phase %s volume %q; want Bound to a pv-sts- volume", c.Name, c.Status.Phase, c.Spec.VolumeName)
		}
		if other, dup := used[c.Spec.VolumeName]; dup {
			t.Errorf("claims %s and %s share volume %s", other, c.Name, c.Spec.VolumeName)
		}
		used[c.Spec.VolumeName] = c.Name
	}
}

// BenchmarkPersistentVolumeBind measures how fast the binder binds a burst
// of Immediate claims: each iteration creates a fresh Immediate class and
// 100 volumes of it, waits until they are Available, then (timed) creates
// 100 claims in a fresh namespace and waits until every claim is Bound.
// It reports claims bound per second.
func BenchmarkPersistentVolumeBind(b *testing.B) {
	const n = 100
	ctx := context.Background()
	var total time.Duration
	for i := range b.N {
		b.StopTimer()
		class := fmt.Sprintf("pv-bench-%d-%d", seq.Add(1), i)
		ns := class
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		for j := range n {
			if _, err := cs.CoreV1().PersistentVolumes().Create(ctx, newPV(fmt.Sprintf("%s-%d", class, j), class, "1Gi", corev1.PersistentVolumeReclaimDelete), metav1.CreateOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		mode := storagev1.VolumeBindingImmediate
		if _, err := cs.StorageV1().StorageClasses().Create(ctx, &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: class},
			Provisioner: "kubernetes.io/no-provisioner", VolumeBindingMode: &mode}, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			list, err := cs.CoreV1().PersistentVolumes().List(ctx, metav1.ListOptions{})
			if err != nil {
				return false, err
			}
			available := 0
			for _, v := range list.Items {
				if v.Spec.StorageClassName == class && v.Status.Phase == corev1.VolumeAvailable {
					available++
				}
			}
			return available == n, nil
		})
		if err != nil {
			b.Fatalf("volumes not Available: %v", err)
		}
		b.StartTimer()
		start := time.Now()
		for j := range n {
			if _, err := cs.CoreV1().PersistentVolumeClaims(ns).Create(ctx, newPVC(fmt.Sprintf("c-%d", j), class, "1Gi"), metav1.CreateOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		err = wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			list, err := cs.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				return false, err
			}
			bound := 0
			for _, c := range list.Items {
				if c.Status.Phase == corev1.ClaimBound {
					bound++
				}
			}
			return bound == n, nil
		})
		if err != nil {
			b.Fatalf("claims not bound: %v", err)
		}
		total += time.Since(start)
		b.StopTimer()
		_ = cs.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})
		_ = cs.StorageV1().StorageClasses().Delete(ctx, class, metav1.DeleteOptions{})
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "claims/s")
}
