package kubelet

import (
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestStatusBase(t *testing.T) {
	pending := testPod(corev1.RestartPolicyAlways)
	pending.ResourceVersion = "10"
	pending.Status = corev1.PodStatus{Phase: corev1.PodPending}
	running := pending.DeepCopy()
	running.ResourceVersion = "11"
	running.Status = corev1.PodStatus{Phase: corev1.PodRunning, StartTime: &metav1Now}
	written := running.Status.DeepCopy()
	// written was produced at resourceVersion 11; a pod at 12 comes from
	// a later write of someone else.
	newer := pending.DeepCopy()
	newer.ResourceVersion = "12"
	tests := []struct {
		name      string
		pod       *corev1.Pod
		written   *corev1.PodStatus
		writtenRV uint64
		want      corev1.PodPhase
	}{
		{"nothing written yet", pending, nil, 0, corev1.PodPending},
		{"the watch has not brought the write", pending, written, 11, corev1.PodRunning},
		{"the watch brought the write", running, written, 11, corev1.PodRunning},
		{"a newer pod from another writer", newer, written, 11, corev1.PodPending},
		{"the write's answer had no resourceVersion", pending, written, 0, corev1.PodPending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := statusBase(tt.pod, tt.written, tt.writtenRV)
			if got.Status.Phase != tt.want {
				t.Errorf("statusBase(rv %s, written at %d).Status.Phase = %s; want %s", tt.pod.ResourceVersion, tt.writtenRV, got.Status.Phase, tt.want)
			}
			if got.UID != tt.pod.UID || got.ResourceVersion != tt.pod.ResourceVersion {
				t.Errorf("statusBase kept uid %s rv %s; want the pod's %s %s", got.UID, got.ResourceVersion, tt.pod.UID, tt.pod.ResourceVersion)
			}
		})
	}
	if pending.Status.Phase != corev1.PodPending {
		t.Errorf("statusBase changed the informer's pod: phase %s; want Pending", pending.Status.Phase)
	}
}

func TestMergeStatus(t *testing.T) {
	disruption := corev1.PodCondition{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: "EvictionByEvictionAPI"}
	own := corev1.PodStatus{
		Phase: corev1.PodRunning, HostIP: "127.0.0.2", PodIP: "10.42.0.5", StartTime: &metav1Now,
		Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
	}
	tests := []struct {
		name       string
		old        corev1.PodStatus
		own        corev1.PodStatus
		wantConds  []corev1.PodConditionType
		wantPodIP  string
		wantNomNod string
	}{
		{"kubelet's fields replace", corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}},
			own, []corev1.PodConditionType{corev1.PodReady}, "10.42.0.5", ""},
		{"others' conditions and fields kept", corev1.PodStatus{NominatedNodeName: "n2", Conditions: []corev1.PodCondition{disruption}},
			own, []corev1.PodConditionType{corev1.PodReady, corev1.DisruptionTarget}, "10.42.0.5", "n2"},
		{"pod IP never cleared", corev1.PodStatus{PodIP: "10.42.0.9"},
			corev1.PodStatus{Phase: corev1.PodPending}, nil, "10.42.0.9", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mergeStatus(tt.old, tt.own)
			var conds []corev1.PodConditionType
			for _, c := range got.Conditions {
				conds = append(conds, c.Type)
			}
			if fmt.Sprint(conds) != fmt.Sprint(tt.wantConds) {
				t.Errorf("mergeStatus conditions = %v; want %v", conds, tt.wantConds)
			}
			if got.Phase != tt.own.Phase || got.PodIP != tt.wantPodIP || got.NominatedNodeName != tt.wantNomNod {
				t.Errorf("mergeStatus = phase %s, podIP %q, nominatedNodeName %q; want %s, %q, %q", got.Phase, got.PodIP, got.NominatedNodeName, tt.own.Phase, tt.wantPodIP, tt.wantNomNod)
			}
		})
	}
}

// TestStatusMayEqual: the cheap test never calls equal statuses
// different (nil and empty lists are equal, as semantically), and catches
// the changes it looks at.
func TestStatusMayEqual(t *testing.T) {
	base := corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.1", HostIP: "127.0.0.2",
		Conditions:        []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
		ContainerStatuses: []corev1.ContainerStatus{{Name: "c", Ready: true}}}
	withEmpty := *base.DeepCopy()
	withEmpty.InitContainerStatuses = []corev1.ContainerStatus{}
	tests := []struct {
		name   string
		mutate func(*corev1.PodStatus)
		may    bool
	}{
		{"equal", func(*corev1.PodStatus) {}, true},
		{"empty init statuses against none", func(s *corev1.PodStatus) { *s = withEmpty }, true},
		{"only a condition's status differs", func(s *corev1.PodStatus) { s.Conditions[0].Status = corev1.ConditionFalse }, true},
		{"phase", func(s *corev1.PodStatus) { s.Phase = corev1.PodPending }, false},
		{"pod IP", func(s *corev1.PodStatus) { s.PodIP = "" }, false},
		{"host IP", func(s *corev1.PodStatus) { s.HostIP = "127.0.0.3" }, false},
		{"a condition more", func(s *corev1.PodStatus) {
			s.Conditions = append(s.Conditions, corev1.PodCondition{Type: corev1.PodScheduled})
		}, false},
		{"no container statuses", func(s *corev1.PodStatus) { s.ContainerStatuses = nil }, false},
		{"an init container status", func(s *corev1.PodStatus) {
			s.InitContainerStatuses = []corev1.ContainerStatus{{Name: "i"}}
		}, false},
	}
	for _, tt := range tests {
		b := *base.DeepCopy()
		tt.mutate(&b)
		if got := statusMayEqual(&base, &b); got != tt.may {
			t.Errorf("%s: statusMayEqual = %v; want %v", tt.name, got, tt.may)
		}
		if deep := apiequality.Semantic.DeepEqual(base, b); deep && !statusMayEqual(&base, &b) {
			t.Errorf("%s: semantically equal, yet statusMayEqual is false", tt.name)
		}
	}
}

// TestSameStatus: equal statuses are the same whether their encodings
// match or only their meaning does (a time in another zone, an empty list
// against none); any change in a field the kubelet writes is not.
func TestSameStatus(t *testing.T) {
	at := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	started := true
	base := corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.1", HostIP: "127.0.0.2",
		StartTime:  &metav1.Time{Time: at},
		Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Time{Time: at}}},
		ContainerStatuses: []corev1.ContainerStatus{{Name: "c", Ready: true, Started: &started,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Time{Time: at}}}}}}
	tests := []struct {
		name   string
		mutate func(*corev1.PodStatus)
		same   bool
	}{
		{"a copy", func(*corev1.PodStatus) {}, true},
		{"the start time in another zone", func(s *corev1.PodStatus) {
			s.StartTime = &metav1.Time{Time: at.In(time.FixedZone("x", 3600))}
		}, true},
		{"empty host IPs against none", func(s *corev1.PodStatus) { s.HostIPs = []corev1.HostIP{} }, true},
		{"a condition's status", func(s *corev1.PodStatus) { s.Conditions[0].Status = corev1.ConditionFalse }, false},
		{"a container's readiness", func(s *corev1.PodStatus) { s.ContainerStatuses[0].Ready = false }, false},
		{"a container's state", func(s *corev1.PodStatus) {
			s.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}
		}, false},
		{"the start time a second later", func(s *corev1.PodStatus) { s.StartTime = &metav1.Time{Time: at.Add(time.Second)} }, false},
		{"the phase", func(s *corev1.PodStatus) { s.Phase = corev1.PodSucceeded }, false},
	}
	for _, tt := range tests {
		b := *base.DeepCopy()
		tt.mutate(&b)
		if got := sameStatus(&base, &b); got != tt.same {
			t.Errorf("%s: sameStatus = %v; want %v", tt.name, got, tt.same)
		}
	}
}
