package integration

import (
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

func admissionPod(name string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
}

// TestAdmissionQuotaConcurrentCreates: 50 concurrent creates against a quota
// of pods=10 leave exactly 10 pods and status.used pods=10.
func TestAdmissionQuotaConcurrentCreates(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	q := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "q"},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("10")}}}
	if _, err := shared.cs.CoreV1().ResourceQuotas(ns).Create(ctx, q, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create quota: %v", err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := shared.cs.CoreV1().Pods(ns).Create(ctx, admissionPod(uniqueName("p")), metav1.CreateOptions{})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	created, forbidden := 0, 0
	for err := range errs {
		switch {
		case err == nil:
			created++
		case apierrors.IsForbidden(err) && strings.Contains(err.Error(), "exceeded quota: q, requested: pods=1, used: pods=10, limited: pods=10"):
			forbidden++
		default:
			t.Errorf("create pod: %v", err)
		}
	}
	if created != 10 || forbidden != 40 {
		t.Errorf("created %d, forbidden %d; want 10 and 40", created, forbidden)
	}
	pods, err := shared.cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("list pods: %v", err)
	}
	if len(pods.Items) != 10 {
		t.Errorf("stored pods = %d; want 10", len(pods.Items))
	}
	got, err := shared.cs.CoreV1().ResourceQuotas(ns).Get(ctx, "q", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get quota: %v", err)
	}
	if used := got.Status.Used[corev1.ResourcePods]; used.Value() != 10 {
		t.Errorf("status.used pods = %s; want 10", used.String())
	}
	if hard := got.Status.Hard[corev1.ResourcePods]; hard.Value() != 10 {
		t.Errorf("status.hard pods = %s; want 10", hard.String())
	}
	// Deleting a pod gives its quota back.
	if err := shared.cs.CoreV1().Pods(ns).Delete(ctx, pods.Items[0].Name, *metav1.NewDeleteOptions(0)); err != nil {
		t.Fatalf("delete pod: %v", err)
	}
	got, _ = shared.cs.CoreV1().ResourceQuotas(ns).Get(ctx, "q", metav1.GetOptions{})
	if used := got.Status.Used[corev1.ResourcePods]; used.Value() != 9 {
		t.Errorf("status.used pods after delete = %s; want 9", used.String())
	}
}

// TestAdmissionPodDefaults: LimitRanger, ServiceAccount, Priority and
// DefaultTolerationSeconds results are visible on the stored pod.
func TestAdmissionPodDefaults(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	lr := &corev1.LimitRange{ObjectMeta: metav1.ObjectMeta{Name: "lr"}, Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
		Type:           corev1.LimitTypeContainer,
		Default:        corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")},
		DefaultRequest: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")},
		Max:            corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")},
	}}}}
	if _, err := shared.cs.CoreV1().LimitRanges(ns).Create(ctx, lr, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create limit range: %v", err)
	}
	pod, err := shared.cs.CoreV1().Pods(ns).Create(ctx, admissionPod("p"), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod: %v", err)
	}
	c := pod.Spec.Containers[0]
	if got := c.Resources.Limits.Cpu().String(); got != "500m" {
		t.Errorf("limits.cpu = %s; want 500m", got)
	}
	if got := c.Resources.Requests.Cpu().String(); got != "100m" {
		t.Errorf("requests.cpu = %s; want 100m", got)
	}
	if got := pod.Spec.ServiceAccountName; got != "default" {
		t.Errorf("serviceAccountName = %q; want default", got)
	}
	if len(c.VolumeMounts) != 1 || c.VolumeMounts[0].MountPath != "/var/run/secrets/kubernetes.io/serviceaccount" ||
		!strings.HasPrefix(c.VolumeMounts[0].Name, "kube-api-access-") {
		t.Errorf("volume mounts = %+v; want the token volume", c.VolumeMounts)
	}
	if pod.Spec.Priority == nil || *pod.Spec.Priority != 0 {
		t.Errorf("priority = %v; want 0", pod.Spec.Priority)
	}
	if len(pod.Spec.Tolerations) != 2 {
		t.Errorf("tolerations = %+v; want not-ready and unreachable", pod.Spec.Tolerations)
	}
	big := admissionPod("big")
	big.Spec.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")}
	_, err = shared.cs.CoreV1().Pods(ns).Create(ctx, big, metav1.CreateOptions{})
	want := `pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2`
	if !apierrors.IsForbidden(err) || err.Error() != want {
		t.Errorf("create over max = %v; want %s", err, want)
	}
	crit := admissionPod("crit")
	crit.Spec.PriorityClassName = "system-cluster-critical"
	got, err := shared.cs.CoreV1().Pods(ns).Create(ctx, crit, metav1.CreateOptions{})
	if err != nil || got.Spec.Priority == nil || *got.Spec.Priority != 2000000000 {
		t.Errorf("create critical pod = %v, %v; want priority 2000000000", err, got.Spec.Priority)
	}
	unknown := admissionPod("unknown")
	unknown.Spec.PriorityClassName = "x"
	_, err = shared.cs.CoreV1().Pods(ns).Create(ctx, unknown, metav1.CreateOptions{})
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "no PriorityClass with name x was found") {
		t.Errorf("create with unknown class = %v; want 403 no PriorityClass", err)
	}
}

// TestAdmissionPodSecurity: a restricted namespace refuses a plain pod with
// upstream's message, and a warn namespace admits it with a warning.
func TestAdmissionPodSecurity(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	nsObj, err := shared.cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get namespace: %v", err)
	}
	nsObj.Labels["pod-security.kubernetes.io/enforce"] = "restricted"
	if _, err := shared.cs.CoreV1().Namespaces().Update(ctx, nsObj, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("label namespace: %v", err)
	}
	// The label reaches admission through the watch cache: wait for it
	// with dry-run creates, which store nothing.
	for {
		_, err = shared.cs.CoreV1().Pods(ns).Create(ctx, admissionPod("x"), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil || ctx.Err() != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	want := `pods "x" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`
	if !apierrors.IsForbidden(err) || err.Error() != want {
		t.Errorf("create = %v;\nwant %s", err, want)
	}

	warnNS := newNamespace(t)
	nsObj, _ = shared.cs.CoreV1().Namespaces().Get(ctx, warnNS, metav1.GetOptions{})
	nsObj.Labels["pod-security.kubernetes.io/warn"] = "baseline"
	if _, err := shared.cs.CoreV1().Namespaces().Update(ctx, nsObj, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("label namespace: %v", err)
	}
	waitLabel(t, warnNS, "pod-security.kubernetes.io/warn")
	rec := &warningRecorder{}
	cfg := *shared.cfg
	cfg.WarningHandler = rec
	cs := kubernetes.NewForConfigOrDie(&cfg)
	p := admissionPod("hostnet")
	p.Spec.HostNetwork = true
	if _, err := cs.CoreV1().Pods(warnNS).Create(ctx, p, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create in warn namespace: %v", err)
	}
	wantWarn := `would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true)`
	if got := rec.all(); len(got) != 1 || got[0] != wantWarn {
		t.Errorf("warnings = %q; want [%q]", got, wantWarn)
	}
}

// waitLabel waits until the server's cache shows label on namespace ns:
// a dry-run pod create in ns then returns a warning.
func waitLabel(t *testing.T, ns, label string) {
	t.Helper()
	ctx := ctxFor(t)
	rec := &warningRecorder{}
	cfg := *shared.cfg
	cfg.WarningHandler = rec
	cs := kubernetes.NewForConfigOrDie(&cfg)
	p := admissionPod("probe")
	p.Spec.HostNetwork = true
	for len(rec.all()) == 0 && ctx.Err() == nil {
		if _, err := cs.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
			t.Fatalf("dry-run create: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type warningRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (r *warningRecorder) HandleWarningHeader(_ int, _ string, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, msg)
}

func (r *warningRecorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.msgs...)
}

// TestAdmissionMissingNamespace: creating in a missing namespace is 404,
// an invalid object too: as upstream, the mutating plugins (the namespace
// lifecycle among them) run before validation, and validation once, after
// them. In a namespace that exists, the invalid pod is a 422.
func TestAdmissionMissingNamespace(t *testing.T) {
	ctx := ctxFor(t)
	_, err := shared.cs.CoreV1().Pods("no-such-ns").Create(ctx, admissionPod("p"), metav1.CreateOptions{})
	if !apierrors.IsNotFound(err) || err.Error() != `namespaces "no-such-ns" not found` {
		t.Errorf("create = %v; want 404 namespaces \"no-such-ns\" not found", err)
	}
	invalid := admissionPod("p")
	invalid.Spec.Containers[0].Name = "Bad_Name"
	_, err = shared.cs.CoreV1().Pods("no-such-ns").Create(ctx, invalid, metav1.CreateOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("create of an invalid pod in a missing namespace = %v; want 404 (admission before validation)", err)
	}
	_, err = shared.cs.CoreV1().Pods(newNamespace(t)).Create(ctx, invalid, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), `spec.containers[0].name: Invalid value: "Bad_Name"`) {
		t.Errorf("create of an invalid pod = %v; want 422 on spec.containers[0].name", err)
	}
}

// TestAdmissionPodSecuritySubresources: a pod created before its namespace
// turned restricted can still be bound and have its status written, as
// upstream, whose PodSecurity admits subresources other than
// ephemeralcontainers without evaluating them.
func TestAdmissionPodSecuritySubresources(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	pc := shared.cs.CoreV1().Pods(ns)
	if _, err := pc.Create(ctx, admissionPod("old"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	nsObj, err := shared.cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nsObj.Labels["pod-security.kubernetes.io/enforce"] = "restricted"
	if _, err := shared.cs.CoreV1().Namespaces().Update(ctx, nsObj, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	for { // until admission sees the label (dry-run creates store nothing)
		_, err = pc.Create(ctx, admissionPod("x"), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil || ctx.Err() != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !apierrors.IsForbidden(err) {
		t.Fatalf("dry-run create in the restricted namespace: %v; want forbidden", err)
	}
	b := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "old", Namespace: ns}, Target: corev1.ObjectReference{Kind: "Node", Name: "node-1"}}
	if err := pc.Bind(ctx, b, metav1.CreateOptions{}); err != nil {
		t.Fatalf("bind the older pod: %v; want it bound (subresources are not evaluated)", err)
	}
	p, err := pc.Get(ctx, "old", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.Status.Phase = corev1.PodRunning
	if _, err := pc.UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("status update of the older pod: %v; want it stored", err)
	}
}

// TestRuntimeClassRefused: no RuntimeClass exists on a Skiff server, so a
// pod naming one is refused, as upstream refuses a missing one, and none
// is stored.
func TestRuntimeClassRefused(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	gvisor := "gvisor"
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "sandboxed"},
		Spec: corev1.PodSpec{RuntimeClassName: &gvisor, Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
	_, err := shared.cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), `pod rejected: RuntimeClass "gvisor" not found`) {
		t.Errorf("create with runtimeClassName: %v; want 403 RuntimeClass not found", err)
	}
	if _, err := shared.cs.CoreV1().Pods(ns).Get(ctx, "sandboxed", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("refused pod: get %v; want NotFound", err)
	}
}
