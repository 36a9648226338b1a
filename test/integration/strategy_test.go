package integration

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
)

// TestDeploymentAnnotationsBumpGeneration: as upstream's deployment
// strategy PrepareForUpdate (pkg/registry/apps/deployment/strategy.go),
// an annotation change bumps a Deployment's generation (the controller
// copies annotations to its ReplicaSets) while a label change does not.
func TestDeploymentAnnotationsBumpGeneration(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	deployments := shared.cs.AppsV1().Deployments(ns)
	d, err := deployments.Create(ctx, newDeployment(ns, "annotated"), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create deployment: %v", err)
	}
	steps := []struct {
		name string
		edit func(*metav1.ObjectMeta)
		want int64
	}{
		{"annotation added", func(m *metav1.ObjectMeta) { m.Annotations = map[string]string{"note": "a"} }, 2},
		{"label added", func(m *metav1.ObjectMeta) { m.Labels = map[string]string{"tier": "web"} }, 2},
		{"annotation changed", func(m *metav1.ObjectMeta) { m.Annotations["note"] = "b" }, 3},
	}
	for _, st := range steps {
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			cur, err := deployments.Get(ctx, d.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			st.edit(&cur.ObjectMeta)
			d, err = deployments.Update(ctx, cur, metav1.UpdateOptions{})
			return err
		})
		if err != nil {
			t.Fatalf("%s: update: %v", st.name, err)
		}
		if d.Generation != st.want {
			t.Errorf("%s: generation %d; want %d", st.name, d.Generation, st.want)
		}
	}
}

// TestDeploymentStatusKeepsLabels: as upstream's deployment status
// strategy, a status update may not change a Deployment's labels, nor set
// the gated status.terminatingReplicas.
func TestDeploymentStatusKeepsLabels(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	deployments := shared.cs.AppsV1().Deployments(ns)
	d := newDeployment(ns, "labelled")
	d.Labels = map[string]string{"tier": "web"}
	if _, err := deployments.Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create deployment: %v", err)
	}
	var got *metav1.ObjectMeta
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := deployments.Get(ctx, d.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		cur.Labels = map[string]string{"tier": "db"}
		out, err := deployments.UpdateStatus(ctx, cur, metav1.UpdateOptions{})
		if err == nil {
			got = &out.ObjectMeta
		}
		return err
	})
	if err != nil {
		t.Fatalf("update status: %v", err)
	}
	if got.Labels["tier"] != "web" {
		t.Errorf("labels after a status update setting tier=db: %v; want tier=web kept", got.Labels)
	}

	// DeploymentReplicaSetTerminatingReplicas is off in 1.33: upstream's
	// status strategy drops status.terminatingReplicas.
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := deployments.Get(ctx, d.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		cur.Status.TerminatingReplicas = ptr.To[int32](1)
		out, err := deployments.UpdateStatus(ctx, cur, metav1.UpdateOptions{})
		if err == nil && out.Status.TerminatingReplicas != nil {
			t.Errorf("status.terminatingReplicas after a status update %d; want dropped", *out.Status.TerminatingReplicas)
		}
		return err
	})
	if err != nil {
		t.Fatalf("update status terminatingReplicas: %v", err)
	}
}

// TestNodeUpdateKeepsStatus: as upstream's node strategy PrepareForUpdate
// (pkg/registry/core/node/strategy.go), an update of the main resource
// keeps the stored status; only nodes/status changes it.
func TestNodeUpdateKeepsStatus(t *testing.T) {
	ctx := ctxFor(t)
	nodes := shared.cs.CoreV1().Nodes()
	n := newNode("", "strategy-status-node")
	n.Status.Capacity = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")}
	if _, err := nodes.Create(ctx, n, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create node: %v", err)
	}
	t.Cleanup(func() { _ = nodes.Delete(ctxFor(t), n.Name, metav1.DeleteOptions{}) })
	var got *corev1.Node
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := nodes.Get(ctx, n.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		cur.Status.Capacity = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("64")}
		got, err = nodes.Update(ctx, cur, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatalf("update node: %v", err)
	}
	if q := got.Status.Capacity[corev1.ResourceCPU]; q.String() != "2" {
		t.Errorf("capacity cpu after an update setting 64: %s; want the stored 2", q.String())
	}
}

// TestPodStatusKeepsOwnerAndQOS: as upstream's pod status strategy, a
// status update keeps the pod's owner references and, when the writer
// leaves it out, its QoS class.
func TestPodStatusKeepsOwnerAndQOS(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	pods := shared.cs.CoreV1().Pods(ns)
	pod, err := pods.Create(ctx, newPod(ns, "status-owner"), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod: %v", err)
	}
	pod.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "x", UID: "0b3e2d6e-0000-4000-8000-000000000001"}}
	pod.Status.QOSClass = ""
	got, err := pods.UpdateStatus(ctx, pod, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update status: %v", err)
	}
	if len(got.OwnerReferences) != 0 || got.Status.QOSClass != corev1.PodQOSBestEffort {
		t.Errorf("after status update: ownerReferences %v, qosClass %q; want none and BestEffort", got.OwnerReferences, got.Status.QOSClass)
	}
}

// TestEphemeralContainersKeepMetadata: as upstream's ephemeral containers
// strategy (ResetObjectMetaForStatus), pods/ephemeralcontainers changes
// the ephemeral containers only, not the pod's labels or annotations.
func TestEphemeralContainersKeepMetadata(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	pods := shared.cs.CoreV1().Pods(ns)
	pod, err := pods.Create(ctx, newPod(ns, "debugged"), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod: %v", err)
	}
	pod.Labels = map[string]string{"sneaky": "yes"}
	pod.Annotations = map[string]string{"sneaky": "yes"}
	pod.Spec.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{
		Name: "debug", Image: "registry.example/debug:1", ImagePullPolicy: corev1.PullIfNotPresent,
		TerminationMessagePolicy: corev1.TerminationMessageReadFile}}}
	got, err := pods.UpdateEphemeralContainers(ctx, pod.Name, pod, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update ephemeral containers: %v", err)
	}
	if len(got.Spec.EphemeralContainers) != 1 || got.Labels["sneaky"] != "" || got.Annotations["sneaky"] != "" {
		t.Errorf("after ephemeralcontainers update: %d ephemeral containers, labels %v, annotations %v; want 1 and no sneaky label or annotation",
			len(got.Spec.EphemeralContainers), got.Labels, got.Annotations)
	}
	// As upstream's updatePodGeneration, the new container is a spec
	// change.
	if got.Generation != pod.Generation+1 {
		t.Errorf("generation after adding an ephemeral container %d; want %d", got.Generation, pod.Generation+1)
	}
}

// TestServiceAndClaimHaveNoGeneration: upstream's service and
// persistentvolumeclaim strategies (pkg/registry/core/service/strategy.go,
// pkg/registry/core/persistentvolumeclaim/strategy.go) never set
// metadata.generation, so it stays unset on create and on a spec change.
func TestServiceAndClaimHaveNoGeneration(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	services := shared.cs.CoreV1().Services(ns)
	svc, err := services.Create(ctx, newService(ns, "plain"), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create service: %v", err)
	}
	if svc.Generation != 0 {
		t.Errorf("created service generation %d; want 0", svc.Generation)
	}
	svc.Spec.Selector = map[string]string{"app": "other"}
	if svc, err = services.Update(ctx, svc, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update service selector: %v", err)
	}
	if svc.Generation != 0 {
		t.Errorf("service generation after a spec change %d; want 0", svc.Generation)
	}
	claim := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data"}, Spec: corev1.PersistentVolumeClaimSpec{
		AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
		Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}}}
	got, err := shared.cs.CoreV1().PersistentVolumeClaims(ns).Create(ctx, claim, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create claim: %v", err)
	}
	if got.Generation != 0 || got.Status.Phase != corev1.ClaimPending {
		t.Errorf("created claim generation %d, phase %q; want 0 and Pending", got.Generation, got.Status.Phase)
	}
}

// TestReplaceUnchangedKeepsGeneration: upstream defaults a written object
// as it decodes it, before its strategy compares the spec with the stored
// one, so replacing a Deployment with the manifest it was created from
// (leaving out every defaulted field) is no spec change and keeps the
// generation, as kubectl replace of an unchanged file.
func TestReplaceUnchangedKeepsGeneration(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	deployments := shared.cs.AppsV1().Deployments(ns)
	created, err := deployments.Create(ctx, newDeployment(ns, "replaced"), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create deployment: %v", err)
	}
	again := newDeployment(ns, "replaced")
	again.ResourceVersion = created.ResourceVersion
	got, err := deployments.Update(ctx, again, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("replace deployment: %v", err)
	}
	if got.Generation != created.Generation {
		t.Errorf("generation after replacing with the same manifest %d; want %d", got.Generation, created.Generation)
	}
}

// TestDaemonSetTemplateGeneration: apps/v1 shows upstream's
// spec.templateGeneration as the deprecated.daemonset.template.generation
// annotation (pkg/apis/apps/v1/conversion.go); the daemonset strategy
// starts it at 1 and adds one for each pod template change only, and a
// client cannot change it.
func TestDaemonSetTemplateGeneration(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	daemonSets := shared.cs.AppsV1().DaemonSets(ns)
	const key = "deprecated.daemonset.template.generation"
	ds, err := daemonSets.Create(ctx, newDaemonSet(ns, "agent"), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create daemonset: %v", err)
	}
	if got := ds.Annotations[key]; got != "1" {
		t.Errorf("created: %s = %q; want 1", key, got)
	}
	steps := []struct {
		name string
		edit func(*appsv1.DaemonSet)
		sub  bool
		want string
	}{
		{"template change", func(d *appsv1.DaemonSet) { d.Spec.Template.Labels["v"] = "2" }, false, "2"},
		{"other spec change", func(d *appsv1.DaemonSet) { d.Spec.MinReadySeconds = 5 }, false, "2"},
		{"client sets it", func(d *appsv1.DaemonSet) { d.Annotations[key] = "9" }, false, "2"},
		{"status update drops it", func(d *appsv1.DaemonSet) { delete(d.Annotations, key) }, true, "2"},
	}
	for _, st := range steps {
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			cur, err := daemonSets.Get(ctx, ds.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			st.edit(cur)
			if st.sub {
				ds, err = daemonSets.UpdateStatus(ctx, cur, metav1.UpdateOptions{})
			} else {
				ds, err = daemonSets.Update(ctx, cur, metav1.UpdateOptions{})
			}
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := ds.Annotations[key]; got != st.want {
			t.Errorf("%s: %s = %q; want %q", st.name, key, got, st.want)
		}
	}
}

// TestPodDisabledFieldsDropped: as upstream 1.33's DropDisabledPodFields
// (pkg/api/pod/util.go), with PodLevelResources, ContainerStopSignals and
// PodObservedGenerationTracking off by default, a new pod's and pod
// template's spec.resources and a container's lifecycle.stopSignal are
// dropped, and so is a status update's observedGeneration.
func TestPodDisabledFieldsDropped(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	pods := shared.cs.CoreV1().Pods(ns)
	pod := newPod(ns, "gated")
	pod.Spec.OS = &corev1.PodOS{Name: corev1.Linux}
	pod.Spec.Resources = &corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}}
	pod.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{StopSignal: ptr.To(corev1.SIGTERM)}
	got, err := pods.Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod: %v", err)
	}
	if got.Spec.Resources != nil || got.Spec.Containers[0].Lifecycle.StopSignal != nil {
		t.Errorf("created pod: spec.resources %v, stopSignal %v; want both dropped", got.Spec.Resources, got.Spec.Containers[0].Lifecycle.StopSignal)
	}
	got.Status.ObservedGeneration = got.Generation
	if got, err = pods.UpdateStatus(ctx, got, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update status: %v", err)
	}
	if got.Status.ObservedGeneration != 0 {
		t.Errorf("status.observedGeneration after a status update %d; want 0 (dropped)", got.Status.ObservedGeneration)
	}
	d := newDeployment(ns, "gated")
	d.Spec.Template.Spec.Resources = pod.Spec.Resources
	dep, err := shared.cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create deployment: %v", err)
	}
	if dep.Spec.Template.Spec.Resources != nil {
		t.Errorf("created deployment: template spec.resources %v; want dropped", dep.Spec.Template.Spec.Resources)
	}
}
