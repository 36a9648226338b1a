package apiserver

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/client-go/applyconfigurations"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/skiff-dev/skiff/internal/apis"
)

// TestRecordUpdateMatchesFullComparison: leaving out the parts a write
// copied from the stored object gives the managed fields the full
// comparison gives, for status writes (a kubelet's, one dropping a
// condition another manager set) and for main-resource writes.
func TestRecordUpdateMatchesFullComparison(t *testing.T) {
	ep := podEndpoint(t)
	mainFM, statusFM := ep.fieldManager, ep.statusManager

	created := mainFM.UpdateNoErrors(&corev1.Pod{}, &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", Labels: map[string]string{"app": "a"}},
		Spec: corev1.PodSpec{NodeName: "n", Containers: []corev1.Container{{Name: "c", Image: "i",
			Ports: []corev1.ContainerPort{{ContainerPort: 80, Protocol: corev1.ProtocolTCP}}}}},
	}, "creator").(*corev1.Pod)

	// step writes next over cur both ways and checks they agree.
	step := func(name string, fm *managedfields.FieldManager, sub string, cur *corev1.Pod, mutate func(*corev1.Pod), manager string) *corev1.Pod {
		t.Helper()
		next := cur.DeepCopy()
		mutate(next)
		full := fm.UpdateNoErrors(cur, next.DeepCopy(), manager).(*corev1.Pod)
		fast := ep.recordUpdate(sub, cur, next.DeepCopy(), manager).(*corev1.Pod)
		if got, want := stripTimes(fast.ManagedFields), stripTimes(full.ManagedFields); !managedEqual(got, want) {
			t.Fatalf("%s: managed fields\n got %+v\nwant %+v", name, got, want)
		}
		if len(full.ManagedFields) == 0 {
			t.Fatalf("%s: no managed fields at all", name)
		}
		return full
	}
	p := step("controller condition", statusFM, "status", created, func(p *corev1.Pod) {
		p.Status.Conditions = []corev1.PodCondition{{Type: "example.com/Gate", Status: corev1.ConditionTrue}}
	}, "controller")
	p = step("kubelet status", statusFM, "status", p, func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodRunning
		p.Status.PodIP = "10.0.0.1"
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
		p.Labels["kubelet"] = "x"
	}, "kubelet")
	p = step("label and image", mainFM, "", p, func(p *corev1.Pod) {
		p.Labels["tier"] = "t"
		p.Spec.Containers[0].Image = "j"
	}, "editor")
	step("status with no change", statusFM, "status", p, func(*corev1.Pod) {}, "kubelet")

	// A kubelet's first write over a bound pod: the metadata is the same
	// on both sides, so recordUpdate leaves all of it but the managed
	// fields out.
	bound, running := kubeletWrite(ep)
	p = step("kubelet's first status", statusFM, "status", bound, func(p *corev1.Pod) { p.Status = running.Status }, "kubelet")
	step("kubelet's next status", statusFM, "status", p, func(p *corev1.Pod) {
		p.Status.Conditions = p.Status.Conditions[:1]
		p.Status.ContainerStatuses[0].Ready = false
	}, "kubelet")

	// Entries of many managers at other times: those with no status field
	// are set aside and put back in the field manager's order; another
	// manager's status field is taken over; at the cap on update entries
	// nothing is set aside.
	many := bound.DeepCopy()
	for i, m := range []string{"labeler-b", "labeler-a", "annotator"} {
		many = mainFM.UpdateNoErrors(many, func() *corev1.Pod {
			n := many.DeepCopy()
			n.Labels[m] = "x"
			return n
		}(), m).(*corev1.Pod)
		for j := range many.ManagedFields {
			if many.ManagedFields[j].Manager == m {
				many.ManagedFields[j].Time = &metav1.Time{Time: time.Unix(int64(1000-100*i), 0)}
			}
		}
	}
	many = step("gate", statusFM, "status", many, func(p *corev1.Pod) {
		p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: "example.com/Gate", Status: corev1.ConditionTrue})
	}, "gate-controller")
	many = step("kubelet over many", statusFM, "status", many, func(p *corev1.Pod) {
		p.Status = running.Status
		p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: "example.com/Gate", Status: corev1.ConditionFalse})
	}, "kubelet")
	for i := 0; len(many.ManagedFields) < maxUpdateManagers && i < 2*maxUpdateManagers; i++ {
		m := fmt.Sprintf("filler-%d", i)
		many = mainFM.UpdateNoErrors(many, func() *corev1.Pod {
			n := many.DeepCopy()
			if n.Annotations == nil {
				n.Annotations = map[string]string{}
			}
			n.Annotations[m] = "x"
			return n
		}(), m).(*corev1.Pod)
	}
	step("at the cap", statusFM, "status", many, func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded }, "newcomer")
}

func stripTimes(in []metav1.ManagedFieldsEntry) []metav1.ManagedFieldsEntry {
	out := make([]metav1.ManagedFieldsEntry, len(in))
	for i, e := range in {
		e.Time = nil
		out[i] = e
	}
	return out
}

func managedEqual(a, b []metav1.ManagedFieldsEntry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Manager != b[i].Manager || a[i].Operation != b[i].Operation || a[i].Subresource != b[i].Subresource ||
			a[i].APIVersion != b[i].APIVersion || string(a[i].FieldsV1.Raw) != string(b[i].FieldsV1.Raw) {
			return false
		}
	}
	return true
}

// BenchmarkRecordUpdate: a Deployment status write (the Deployment
// controller's, after each ReplicaSet change) through the field manager,
// comparing whole objects and through recordUpdate. Run with
// go test -run '^$' -bench RecordUpdate ./internal/apiserver/
func BenchmarkRecordUpdate(b *testing.B) {
	ep := testEndpoint(b, appsv1.SchemeGroupVersion.WithResource("deployments"), "Deployment",
		func() runtime.Object { return &appsv1.Deployment{} })
	mainFM, statusFM := ep.fieldManager, ep.statusManager
	container := func(name string) corev1.Container {
		return corev1.Container{Name: name, Image: "registry.example/" + name + ":1.2.3",
			Env:   []corev1.EnvVar{{Name: "A", Value: "1"}, {Name: "B", Value: "2"}, {Name: "C", Value: "3"}},
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")}},
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}}},
			VolumeMounts:   []corev1.VolumeMount{{Name: "config", MountPath: "/etc/" + name}}}
	}
	created := mainFM.UpdateNoErrors(&appsv1.Deployment{}, &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", Labels: map[string]string{"app": "web"}},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{container("web"), container("sidecar")},
					Volumes: []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
						LocalObjectReference: corev1.LocalObjectReference{Name: "web"}}}}}}}},
	}, "kubectl").(*appsv1.Deployment)
	next := created.DeepCopy()
	next.Status = appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 2, AvailableReplicas: 2,
		Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable"}}}
	b.Run("whole objects", func(b *testing.B) {
		for b.Loop() {
			statusFM.UpdateNoErrors(created, next.DeepCopy(), "deployment-controller")
		}
	})
	b.Run("recordUpdate", func(b *testing.B) {
		for b.Loop() {
			ep.recordUpdate("status", created, next.DeepCopy(), "deployment-controller")
		}
	})
}

// testEndpoint is an endpoint of a kind with a status subresource, its
// field managers built as the server builds them, over the Go types'
// schema.
func testEndpoint(tb testing.TB, gvr schema.GroupVersionResource, kind string, newObj func() runtime.Object) *endpoint {
	tb.Helper()
	ep := &endpoint{res: &apis.Resource{HasStatus: true, GVR: gvr, New: newObj}, gvk: gvr.GroupVersion().WithKind(kind)}
	if err := ep.initFieldManagers(newTypedGoConverter(applyconfigurations.NewTypeConverter(scheme.Scheme), scheme.Scheme), scheme.Scheme); err != nil {
		tb.Fatal(err)
	}
	return ep
}

func podEndpoint(tb testing.TB) *endpoint {
	return testEndpoint(tb, corev1.SchemeGroupVersion.WithResource("pods"), "Pod", func() runtime.Object { return &corev1.Pod{} })
}

// TestRecordCreateMatchesFieldManager: the memo gives each create the
// entry the field manager computes, for pods that differ only in name,
// uid and creation time (memo hits), in shape, in a label's value or in
// manager (misses); a create that sets its own managed fields bypasses it.
func TestRecordCreateMatchesFieldManager(t *testing.T) {
	ep := podEndpoint(t)
	fm, memo := ep.fieldManager, &ep.created
	pod := func(name string, mutate func(*corev1.Pod)) *corev1.Pod {
		p := &corev1.Pod{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID("uid-" + name),
				CreationTimestamp: metav1.Now(), Labels: map[string]string{"app": "a"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i",
				Ports: []corev1.ContainerPort{{ContainerPort: 80, Protocol: corev1.ProtocolTCP}}}}},
		}
		if mutate != nil {
			mutate(p)
		}
		return p
	}
	cases := []struct {
		name    string
		pod     *corev1.Pod
		manager string
		hit     bool
	}{
		{"first", pod("a", nil), "m", false},
		{"same shape, other name", pod("b", nil), "m", true},
		{"other manager", pod("c", nil), "other", false},
		{"other label value", pod("d", func(p *corev1.Pod) { p.Labels["app"] = "b" }), "m", false},
		{"second container", pod("e", func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "d", Image: "i"})
		}), "m", false},
		{"container renamed", pod("f", func(p *corev1.Pod) { p.Spec.Containers[0].Name = "x" }), "m", false},
		{"own managed fields", pod("g", func(p *corev1.Pod) {
			p.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "set", Operation: metav1.ManagedFieldsOperationUpdate,
				APIVersion: "v1", FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:metadata":{"f:labels":{}}}`)}}}
		}), "m", false},
		{"same shape again", pod("h", nil), "m", true},
	}
	for _, c := range cases {
		before := len(memo.entries)
		want := fm.UpdateNoErrors(&corev1.Pod{}, c.pod.DeepCopy(), c.manager).(*corev1.Pod)
		got := ep.recordCreate(c.pod.DeepCopy(), c.manager).(*corev1.Pod)
		if !managedEqual(stripTimes(got.ManagedFields), stripTimes(want.ManagedFields)) {
			t.Fatalf("%s: managed fields\n got %+v\nwant %+v", c.name, got.ManagedFields, want.ManagedFields)
		}
		if len(got.ManagedFields) == 0 || got.ManagedFields[0].Time == nil {
			t.Fatalf("%s: no entry or no time: %+v", c.name, got.ManagedFields)
		}
		if got.Name != c.pod.Name || got.UID != c.pod.UID || !got.CreationTimestamp.Equal(&c.pod.CreationTimestamp) {
			t.Fatalf("%s: identity not restored: %s %s %v", c.name, got.Name, got.UID, got.CreationTimestamp)
		}
		if hit := len(memo.entries) == before && c.pod.ManagedFields == nil; hit != c.hit {
			t.Fatalf("%s: memo hit %v, want %v (%d entries)", c.name, hit, c.hit, len(memo.entries))
		}
		// A hit's entry shares the memo's bytes: what its holder does with
		// its own entry (append to the fields, replace the time) leaves the
		// memo's as it was for the next hit.
		if f := got.ManagedFields[0].FieldsV1; f != nil {
			f.Raw = append(f.Raw, "garbage"...)
			got.ManagedFields[0].Time.Time = time.Time{}
		}
	}
}

// BenchmarkRecordCreate: a pod's create through the field manager and
// through the memo (a hit: another pod of the same template). Run with
// go test -run '^$' -bench RecordCreate -benchmem ./internal/apiserver/
func BenchmarkRecordCreate(b *testing.B) {
	ep := podEndpoint(b)
	grace := int64(30)
	pod := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "ns", Labels: map[string]string{"app": "web", "pod-template-hash": "abc"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "registry.example/web:1.2.3",
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")}},
			TerminationMessagePath: "/dev/termination-log", ImagePullPolicy: corev1.PullIfNotPresent}},
			RestartPolicy: corev1.RestartPolicyAlways, DNSPolicy: corev1.DNSClusterFirst, SchedulerName: "default-scheduler",
			TerminationGracePeriodSeconds: &grace},
	}
	b.Run("field manager", func(b *testing.B) {
		for b.Loop() {
			ep.fieldManager.UpdateNoErrors(&corev1.Pod{}, pod.DeepCopy(), "replicaset-controller")
		}
	})
	b.Run("recordCreate", func(b *testing.B) {
		for b.Loop() {
			ep.recordCreate(pod.DeepCopy(), "replicaset-controller")
		}
	})
}

// BenchmarkRecordPodStatus: the hollow kubelet's one status write of a
// pod the scheduler bound, from Pending to Running, through the status
// field manager. Run with
// go test -run '^$' -bench RecordPodStatus -benchmem ./internal/apiserver/
func BenchmarkRecordPodStatus(b *testing.B) {
	ep := podEndpoint(b)
	bound, running := kubeletWrite(ep)
	for b.Loop() {
		ep.recordUpdate("status", bound, running.DeepCopy(), "kubelet")
	}
}

// kubeletWrite is a pod as a ReplicaSet creates it and the scheduler binds
// it, and the status its kubelet then writes.
func kubeletWrite(ep *endpoint) (bound, running *corev1.Pod) {
	rl := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")}
	grace, prio := int64(30), int32(0)
	created := ep.fieldManager.UpdateNoErrors(&corev1.Pod{}, &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "web-7d9f8-x2x9k", Namespace: "ns", UID: "u1", CreationTimestamp: metav1.Now(),
			Labels:          map[string]string{"app": "web", "pod-template-hash": "7d9f8"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-7d9f8", UID: "rs1"}}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "pause", Image: "registry.k8s.io/pause:3.10.1",
			Resources: corev1.ResourceRequirements{Requests: rl}, TerminationMessagePath: "/dev/termination-log",
			TerminationMessagePolicy: corev1.TerminationMessageReadFile, ImagePullPolicy: corev1.PullIfNotPresent}},
			RestartPolicy: corev1.RestartPolicyAlways, TerminationGracePeriodSeconds: &grace, DNSPolicy: corev1.DNSClusterFirst,
			ServiceAccountName: "default", SchedulerName: "default-scheduler", Priority: &prio,
			SecurityContext: &corev1.PodSecurityContext{},
			Tolerations:     []corev1.Toleration{{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}}},
	}, "kube-controller-manager").(*corev1.Pod)
	bound = created.DeepCopy()
	bound.Spec.NodeName = "hollow-0001"
	bound.Status = corev1.PodStatus{Phase: corev1.PodPending, QOSClass: corev1.PodQOSBurstable,
		Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()}}}
	running = bound.DeepCopy()
	now, started := metav1.Now(), true
	running.Status.Phase = corev1.PodRunning
	running.Status.HostIP, running.Status.HostIPs = "127.0.0.2", []corev1.HostIP{{IP: "127.0.0.2"}}
	running.Status.PodIP, running.Status.PodIPs = "10.64.3.7", []corev1.PodIP{{IP: "10.64.3.7"}}
	running.Status.StartTime = &now
	for _, t := range []corev1.PodConditionType{"PodReadyToStartContainers", corev1.PodInitialized, corev1.PodReady, corev1.ContainersReady} {
		running.Status.Conditions = append(running.Status.Conditions, corev1.PodCondition{Type: t, Status: corev1.ConditionTrue, LastTransitionTime: now})
	}
	running.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "pause", Image: "registry.k8s.io/pause:3.10.1",
		ImageID: "sim://pause", ContainerID: "sim://0123456789abcdef", Ready: true, Started: &started,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}}}
	return bound, running
}

// TestRecordCreateSharesEventShapes: events that differ only in values
// (another pod, message, times, count) share the memo's entry, and every
// create gets the field manager's entry; an event that sets another field
// or leaves one empty misses.
func TestRecordCreateSharesEventShapes(t *testing.T) {
	ep := testEndpoint(t, corev1.SchemeGroupVersion.WithResource("events"), "Event",
		func() runtime.Object { return &corev1.Event{} })
	fm, memo := ep.fieldManager, &ep.created
	event := func(pod string, mutate func(*corev1.Event)) *corev1.Event {
		now := metav1.Now()
		e := &corev1.Event{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Event"},
			ObjectMeta: metav1.ObjectMeta{Name: pod + ".18a2b3c4d5e6f708", Namespace: "ns", UID: types.UID("uid-" + pod), CreationTimestamp: now},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "ns", Name: pod, UID: types.UID("pod-" + pod),
				APIVersion: "v1", ResourceVersion: "1234"},
			Reason: "Scheduled", Message: "Successfully assigned ns/" + pod + " to hollow-7", Type: corev1.EventTypeNormal,
			Source: corev1.EventSource{Component: "default-scheduler"}, FirstTimestamp: now, LastTimestamp: now, Count: 1,
			ReportingController: "default-scheduler", ReportingInstance: "default-scheduler-skiff",
		}
		if mutate != nil {
			mutate(e)
		}
		return e
	}
	cases := []struct {
		name  string
		event *corev1.Event
		hit   bool
	}{
		{"first", event("a", nil), false},
		{"another pod", event("b", nil), true},
		{"a later count and a host", event("c", func(e *corev1.Event) { e.Count = 7; e.Source.Host = "hollow-7" }), false},
		{"the same shape as the last", event("d", func(e *corev1.Event) { e.Count = 3; e.Source.Host = "hollow-9" }), true},
		{"no message", event("e", func(e *corev1.Event) { e.Message = "" }), false},
		{"a series", event("f", func(e *corev1.Event) {
			e.Series = &corev1.EventSeries{Count: 2, LastObservedTime: metav1.NowMicro()}
		}), false},
		{"another series", event("g", func(e *corev1.Event) {
			e.Series = &corev1.EventSeries{Count: 9, LastObservedTime: metav1.NowMicro()}
		}), true},
	}
	for _, c := range cases {
		before := len(memo.entries)
		orig := c.event.DeepCopy()
		want := fm.UpdateNoErrors(&corev1.Event{}, c.event.DeepCopy(), "scheduler").(*corev1.Event)
		got := ep.recordCreate(c.event, "scheduler").(*corev1.Event)
		if !managedEqual(stripTimes(got.ManagedFields), stripTimes(want.ManagedFields)) || len(got.ManagedFields) != 1 {
			t.Fatalf("%s: managed fields\n got %+v\nwant %+v", c.name, got.ManagedFields, want.ManagedFields)
		}
		got.ManagedFields = nil
		if !reflect.DeepEqual(got, orig) {
			t.Fatalf("%s: the event changed:\n got %+v\nwant %+v", c.name, got, orig)
		}
		if hit := len(memo.entries) == before; hit != c.hit {
			t.Fatalf("%s: memo hit %v, want %v (%d entries)", c.name, hit, c.hit, len(memo.entries))
		}
	}
}

// TestRecordCreateSharesEventShapesEventsV1: the same for events.k8s.io.
func TestRecordCreateSharesEventShapesEventsV1(t *testing.T) {
	ep := testEndpoint(t, eventsv1.SchemeGroupVersion.WithResource("events"), "Event",
		func() runtime.Object { return &eventsv1.Event{} })
	for i, pod := range []string{"a", "b"} {
		e := &eventsv1.Event{
			TypeMeta:   metav1.TypeMeta{APIVersion: "events.k8s.io/v1", Kind: "Event"},
			ObjectMeta: metav1.ObjectMeta{Name: pod + ".1", Namespace: "ns"},
			EventTime:  metav1.NowMicro(), ReportingController: "default-scheduler", ReportingInstance: "s-" + pod,
			Action: "Binding", Reason: "Scheduled", Note: "Successfully assigned ns/" + pod, Type: corev1.EventTypeNormal,
			Regarding: corev1.ObjectReference{Kind: "Pod", Namespace: "ns", Name: pod},
		}
		want := ep.fieldManager.UpdateNoErrors(&eventsv1.Event{}, e.DeepCopy(), "scheduler").(*eventsv1.Event)
		before := len(ep.created.entries)
		got := ep.recordCreate(e, "scheduler").(*eventsv1.Event)
		if !managedEqual(stripTimes(got.ManagedFields), stripTimes(want.ManagedFields)) {
			t.Fatalf("event %d: managed fields\n got %+v\nwant %+v", i, got.ManagedFields, want.ManagedFields)
		}
		if hit := len(ep.created.entries) == before; hit != (i == 1) {
			t.Fatalf("event %d: memo hit %v", i, hit)
		}
	}
}

// TestRecordCreateSharesConfigMapShapes: ConfigMaps and Secrets whose
// data differ only in values share the memo's entry; another key, a key
// less or a label's other value misses; every entry is the field
// manager's, and the object is left as it came.
func TestRecordCreateSharesConfigMapShapes(t *testing.T) {
	cmEP := testEndpoint(t, corev1.SchemeGroupVersion.WithResource("configmaps"), "ConfigMap",
		func() runtime.Object { return &corev1.ConfigMap{} })
	secretEP := testEndpoint(t, corev1.SchemeGroupVersion.WithResource("secrets"), "Secret",
		func() runtime.Object { return &corev1.Secret{} })
	cm := func(name, index string, mutate func(*corev1.ConfigMap)) runtime.Object {
		c := &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: map[string]string{"app": "bench"}},
			Data:       map[string]string{"index": index, "payload": "p"}, BinaryData: map[string][]byte{"b": []byte(index)}}
		if mutate != nil {
			mutate(c)
		}
		return c
	}
	secret := func(name, token string, mutate func(*corev1.Secret)) runtime.Object {
		s := &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}, Type: corev1.SecretTypeOpaque,
			Data: map[string][]byte{"token": []byte(token)}}
		if mutate != nil {
			mutate(s)
		}
		return s
	}
	cases := []struct {
		name string
		ep   *endpoint
		obj  runtime.Object
		hit  bool
	}{
		{"first", cmEP, cm("a", "1", nil), false},
		{"other values", cmEP, cm("b", "2", nil), true},
		{"an empty value", cmEP, cm("c", "", nil), false},
		{"another key", cmEP, cm("d", "4", func(c *corev1.ConfigMap) { c.Data["more"] = "x" }), false},
		{"a key less", cmEP, cm("e", "5", func(c *corev1.ConfigMap) { delete(c.Data, "payload") }), false},
		{"another label value", cmEP, cm("f", "6", func(c *corev1.ConfigMap) { c.Labels["app"] = "other" }), false},
		{"other values again", cmEP, cm("g", "7", nil), true},
		{"first secret", secretEP, secret("s1", "abc", nil), false},
		{"another token", secretEP, secret("s2", "xyz", nil), true},
		{"string data", secretEP, secret("s3", "xyz", func(s *corev1.Secret) { s.StringData = map[string]string{"k": "v"} }), false},
	}
	for _, c := range cases {
		fm, memo := c.ep.fieldManager, &c.ep.created
		before := len(memo.entries)
		orig := c.obj.DeepCopyObject()
		empty := c.ep.res.New()
		want, err := meta.Accessor(fm.UpdateNoErrors(empty, c.obj.DeepCopyObject(), "bench"))
		if err != nil {
			t.Fatal(err)
		}
		out := c.ep.recordCreate(c.obj, "bench")
		got, err := meta.Accessor(out)
		if err != nil {
			t.Fatal(err)
		}
		if !managedEqual(stripTimes(got.GetManagedFields()), stripTimes(want.GetManagedFields())) || len(got.GetManagedFields()) != 1 {
			t.Fatalf("%s: managed fields\n got %+v\nwant %+v", c.name, got.GetManagedFields(), want.GetManagedFields())
		}
		got.SetManagedFields(nil)
		if !reflect.DeepEqual(out, orig) {
			t.Fatalf("%s: the object changed:\n got %+v\nwant %+v", c.name, out, orig)
		}
		if hit := len(memo.entries) == before; hit != c.hit {
			t.Fatalf("%s: memo hit %v, want %v (%d entries)", c.name, hit, c.hit, len(memo.entries))
		}
	}
}

// TestFlatKinds: events, ConfigMaps and Secrets hold no list outside
// their metadata, so their creates share entries by shape; a kind with a
// list anywhere (a pod's containers, a set of strings) does not.
func TestFlatKinds(t *testing.T) {
	for _, o := range []any{corev1.Event{}, eventsv1.Event{}, corev1.ConfigMap{}, corev1.Secret{}} {
		if !flatKinds[reflect.TypeOf(o)] {
			t.Errorf("%T is not among the flat kinds", o)
		}
	}
	type withSet struct {
		metav1.ObjectMeta
		Spec struct{ Finalizers *[]string }
	}
	type withBytes struct {
		Data map[string][]byte
	}
	got := flatTypes(corev1.Pod{}, corev1.Namespace{}, withSet{}, withBytes{})
	if len(got) != 1 || !got[reflect.TypeOf(withBytes{})] {
		t.Errorf("flatTypes kept %v; want only the byte strings' type", got)
	}
	if flatShape(&corev1.Pod{}) != nil {
		t.Errorf("flatShape shaped a pod")
	}
}
