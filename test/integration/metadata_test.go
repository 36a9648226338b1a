package integration

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

func TestDryRun(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	cc := shared.cs.CoreV1().ConfigMaps(ns)
	dry := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	out, err := cc.Create(ctx, newConfigMap(ns, "dry"), dry)
	if err != nil {
		t.Fatalf("dry-run create: %v", err)
	}
	if out.Name != "dry" || out.UID == "" {
		t.Errorf("dry-run create answered name %q uid %q; want the would-be object", out.Name, out.UID)
	}
	if _, err := cc.Get(ctx, "dry", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("get after dry-run create: err %v; want NotFound", err)
	}
	cm, err := cc.Create(ctx, newConfigMap(ns, "real"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cc.Create(ctx, newConfigMap(ns, "real"), dry); !apierrors.IsAlreadyExists(err) {
		t.Errorf("dry-run create of an existing object: err %v; want AlreadyExists", err)
	}
	changed := cm.DeepCopy()
	changed.Data["key"] = "dry"
	if _, err := cc.Update(ctx, changed, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatalf("dry-run update: %v", err)
	}
	if _, err := cc.Patch(ctx, "real", types.MergePatchType, []byte(`{"data":{"key":"dry"}}`), metav1.PatchOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatalf("dry-run patch: %v", err)
	}
	if err := cc.Delete(ctx, "real", metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatalf("dry-run delete: %v", err)
	}
	got, err := cc.Get(ctx, "real", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get after dry-run delete: %v", err)
	}
	if got.Data["key"] != "value" || got.ResourceVersion != cm.ResourceVersion {
		t.Errorf("after dry-run writes: data %v rv %s; want unchanged %v rv %s", got.Data, got.ResourceVersion, cm.Data, cm.ResourceVersion)
	}
}

func TestGenerateName(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	cm := newConfigMap(ns, "")
	cm.GenerateName = "gen-"
	seen := map[string]bool{}
	for i := 0; i < 5; i++ {
		out, err := shared.cs.CoreV1().ConfigMaps(ns).Create(ctx, cm.DeepCopy(), metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create with generateName: %v", err)
		}
		if !strings.HasPrefix(out.Name, "gen-") || len(out.Name) != len("gen-")+5 || out.GenerateName != "gen-" {
			t.Errorf("generated name %q (generateName %q); want gen- plus 5 characters", out.Name, out.GenerateName)
		}
		if seen[out.Name] {
			t.Errorf("generated name %q twice", out.Name)
		}
		seen[out.Name] = true
	}
}

func TestGeneration(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	dc := shared.cs.AppsV1().Deployments(ns)
	d, err := dc.Create(ctx, newDeployment(ns, "gen"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name  string
		patch string
		sub   []string
		want  int64
	}{
		{name: "create", want: 1},
		{name: "label change", patch: `{"metadata":{"labels":{"a":"b"}}}`, want: 1},
		// As upstream's deployment strategy: the controller copies a
		// Deployment's annotations to its ReplicaSets, so they count.
		{name: "annotation change", patch: `{"metadata":{"annotations":{"a":"b"}}}`, want: 2},
		{name: "status change", patch: `{"status":{"replicas":1}}`, sub: []string{"status"}, want: 2},
		{name: "spec change", patch: `{"spec":{"replicas":3}}`, want: 3},
		{name: "same spec again", patch: `{"spec":{"replicas":3}}`, want: 3},
		{name: "template change", patch: `{"spec":{"template":{"metadata":{"annotations":{"x":"y"}}}}}`, want: 4},
	}
	for _, s := range steps {
		if s.patch != "" {
			if d, err = dc.Patch(ctx, "gen", types.MergePatchType, []byte(s.patch), metav1.PatchOptions{}, s.sub...); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
		}
		if d.Generation != s.want {
			t.Errorf("after %s: generation %d; want %d", s.name, d.Generation, s.want)
		}
	}
}

// TestFailedUpdateStoresNothing: an invalid update leaves the object as
// it was.
func TestFailedUpdateStoresNothing(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	pc := shared.cs.CoreV1().Pods(ns)
	pod, err := pc.Create(ctx, newPod(ns, "p"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bad := pod.DeepCopy()
	bad.Spec.Containers[0].Image = ""
	if _, err := pc.Update(ctx, bad, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) {
		t.Errorf("update with an empty image: err %v; want Invalid", err)
	}
	got, err := pc.Get(ctx, "p", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.ResourceVersion != pod.ResourceVersion || got.Spec.Containers[0].Image != pod.Spec.Containers[0].Image {
		t.Errorf("after a failed update: rv %s image %q; want rv %s image %q", got.ResourceVersion, got.Spec.Containers[0].Image, pod.ResourceVersion, pod.Spec.Containers[0].Image)
	}
}

func TestFinalizers(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	cc := shared.cs.CoreV1().ConfigMaps(ns)
	cm := newConfigMap(ns, "held")
	cm.Finalizers = []string{"example.com/hold", "example.com/second"}
	cm, err := cc.Create(ctx, cm, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := cc.Watch(ctx, metav1.ListOptions{ResourceVersion: cm.ResourceVersion, FieldSelector: "metadata.name=held"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if err := cc.Delete(ctx, "held", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	got, err := cc.Get(ctx, "held", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get after delete with finalizers: %v", err)
	}
	if got.DeletionTimestamp == nil {
		t.Errorf("deletionTimestamp not set by delete of an object with finalizers")
	}
	// Objects being deleted take no new finalizers but may drop theirs.
	got.Finalizers = []string{"example.com/second"}
	if got, err = cc.Update(ctx, got, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("remove first finalizer: %v", err)
	}
	got.Finalizers = nil
	if _, err := cc.Update(ctx, got, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("remove last finalizer: %v", err)
	}
	if _, err := cc.Get(ctx, "held", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("get after the last finalizer went: err %v; want NotFound", err)
	}
	types := watchTypes(t, w, watch.Deleted)
	if len(types) != 4 || types[3] != watch.Deleted {
		t.Errorf("watch events %v; want MODIFIED (delete) MODIFIED MODIFIED DELETED", types)
	}
}

func TestGracefulPodDeletion(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	pc := shared.cs.CoreV1().Pods(ns)
	if _, err := pc.Create(ctx, newPod(ns, "unbound"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := pc.Delete(ctx, "unbound", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := pc.Get(ctx, "unbound", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("unbound pod after delete: err %v; want NotFound at once", err)
	}

	bound := newPod(ns, "bound")
	bound.Spec.NodeName = "node-1"
	if _, err := pc.Create(ctx, bound, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := pc.Delete(ctx, "bound", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := pc.Get(ctx, "bound", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("bound pod after graceful delete: %v; want it kept until the kubelet confirms", err)
	}
	if got.DeletionTimestamp == nil || got.DeletionGracePeriodSeconds == nil || *got.DeletionGracePeriodSeconds != corev1.DefaultTerminationGracePeriodSeconds {
		t.Errorf("bound pod: deletionTimestamp %v grace %v; want set and %d", got.DeletionTimestamp, got.DeletionGracePeriodSeconds, corev1.DefaultTerminationGracePeriodSeconds)
	}
	zero := int64(0)
	if err := pc.Delete(ctx, "bound", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatalf("delete with gracePeriodSeconds=0: %v", err)
	}
	if _, err := pc.Get(ctx, "bound", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("bound pod after gracePeriodSeconds=0: err %v; want NotFound", err)
	}
}
