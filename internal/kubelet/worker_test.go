package kubelet

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestStatusBase(t *testing.T) {
	pending := testPod(corev1.RestartPolicyAlways)
	pending.ResourceVersion = "10"
	pending.Status = corev1.PodStatus{Phase: corev1.PodPending}
	running := pending.DeepCopy()
	running.ResourceVersion = "11"
	running.Status = corev1.PodStatus{Phase: corev1.PodRunning, StartTime: &metav1Now}
	written := running.Status.DeepCopy()
	tests := []struct {
		name        string
		pod         *corev1.Pod
		written     *corev1.PodStatus
		writtenOver string
		want        corev1.PodPhase
	}{
		{"nothing written yet", pending, nil, "", corev1.PodPending},
		{"the watch has not brought the write", pending, written, "10", corev1.PodRunning},
		{"the watch brought the write", running, written, "10", corev1.PodRunning},
		{"a newer pod from another writer", pending.DeepCopy(), written, "9", corev1.PodPending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := statusBase(tt.pod, tt.written, tt.writtenOver)
			if got.Status.Phase != tt.want {
				t.Errorf("statusBase(rv %s, written over %q).Status.Phase = %s; want %s", tt.pod.ResourceVersion, tt.writtenOver, got.Status.Phase, tt.want)
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
