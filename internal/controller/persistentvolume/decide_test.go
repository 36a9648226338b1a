package persistentvolume

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func storageClass(name, provisioner string, mode storagev1.VolumeBindingMode) *storagev1.StorageClass {
	return &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Provisioner: provisioner, VolumeBindingMode: &mode}
}

func annotated(c *corev1.PersistentVolumeClaim, kv ...string) *corev1.PersistentVolumeClaim {
	for i := 0; i+1 < len(kv); i += 2 {
		metav1.SetMetaDataAnnotation(&c.ObjectMeta, kv[i], kv[i+1])
	}
	return c
}

func named(c *corev1.PersistentVolumeClaim, volume string) *corev1.PersistentVolumeClaim {
	c.Spec.VolumeName = volume
	return c
}

func TestDecideClaim(t *testing.T) {
	wffc := storageClass("local", "kubernetes.io/no-provisioner", storagev1.VolumeBindingWaitForFirstConsumer)
	noProv := storageClass("fast", "kubernetes.io/no-provisioner", storagev1.VolumeBindingImmediate)
	external := storageClass("csi", "csi.example.com", storagev1.VolumeBindingImmediate)
	free := volume("pv1", "", "5Gi")
	tests := []struct {
		name string
		in   claimInputs
		want claimDecision
	}{
		{name: "binds the matching volume", in: claimInputs{claim: claim("c", "", "1Gi"), volumes: []*corev1.PersistentVolume{free}},
			want: claimDecision{step: claimBind, volume: free}},
		{name: "no class and no volume", in: claimInputs{claim: claim("c", "", "1Gi")},
			want: claimDecision{step: claimPending, event: &event{"Normal", "FailedBinding", "no persistent volumes available for this claim and no storage class is set"}}},
		{name: "wait for first consumer", in: claimInputs{claim: claim("c", "local", "1Gi"), class: wffc, volumes: []*corev1.PersistentVolume{volume("v", "local", "5Gi")}},
			want: claimDecision{step: claimPending, event: &event{"Normal", "WaitForFirstConsumer", "waiting for first consumer to be created before binding"}}},
		{name: "wait for the pod to be scheduled", in: claimInputs{claim: claim("c", "local", "1Gi"), class: wffc, unscheduledPods: []string{"web-0"}},
			want: claimDecision{step: claimPending, event: &event{"Normal", "WaitForPodScheduled", "waiting for pod web-0 to be scheduled"}}},
		{name: "wait for two pods", in: claimInputs{claim: claim("c", "local", "1Gi"), class: wffc, unscheduledPods: []string{"b", "a"}},
			want: claimDecision{step: claimPending, event: &event{"Normal", "WaitForPodScheduled", "waiting for pods a,b to be scheduled"}}},
		{name: "selected node without a volume needs a provisioner", in: claimInputs{claim: annotated(claim("c", "local", "1Gi"), AnnSelectedNode, "n1"), class: wffc},
			want: claimDecision{step: claimNone, event: &event{"Warning", "ProvisioningFailed", "no volume plugin matched name: kubernetes.io/no-provisioner"}}},
		{name: "immediate class without a volume", in: claimInputs{claim: claim("c", "fast", "1Gi"), class: noProv},
			want: claimDecision{step: claimNone, event: &event{"Warning", "ProvisioningFailed", "no volume plugin matched name: kubernetes.io/no-provisioner"}}},
		{name: "missing class", in: claimInputs{claim: claim("c", "gone", "1Gi")},
			want: claimDecision{step: claimNone, event: &event{"Warning", "ProvisioningFailed", `storageclass.storage.k8s.io "gone" not found`}}},
		{name: "external provisioner", in: claimInputs{claim: claim("c", "csi", "1Gi"), class: external},
			want: claimDecision{step: claimExternal, event: &event{"Normal", "ExternalProvisioning", "Waiting for a volume to be created either by the external provisioner 'csi.example.com' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered."}}},
		{name: "named volume missing", in: claimInputs{claim: named(claim("c", "", "1Gi"), "pv1")}, want: claimDecision{step: claimPending}},
		{name: "named volume free and fitting", in: claimInputs{claim: named(claim("c", "", "1Gi"), "pv1"), named: free},
			want: claimDecision{step: claimBind, volume: free}},
		{name: "named volume too small", in: claimInputs{claim: named(claim("c", "", "10Gi"), "pv1"), named: free},
			want: claimDecision{step: claimPending, event: &event{"Warning", "VolumeMismatch", `Cannot bind to requested volume "pv1": requested PV is too small`}}},
		{name: "named volume pre-bound to the claim", in: claimInputs{claim: named(claim("c", "", "1Gi"), "pv1"), named: claimedBy(volume("pv1", "", "1Gi"), "ns", "c", "")},
			want: claimDecision{step: claimBind, volume: claimedBy(volume("pv1", "", "1Gi"), "ns", "c", "")}},
		{name: "named volume claimed by another", in: claimInputs{claim: named(claim("c", "", "1Gi"), "pv1"), named: claimedBy(volume("pv1", "", "1Gi"), "ns", "d", "x")},
			want: claimDecision{step: claimPending, event: &event{"Warning", "FailedBinding", `volume "pv1" already bound to a different claim.`}}},
		{name: "bound claim stays bound", in: claimInputs{claim: annotated(named(claim("c", "", "1Gi"), "pv1"), AnnBindCompleted, "yes"),
			named: claimedBy(volume("pv1", "", "1Gi"), "ns", "c", "uid-c-c")},
			want: claimDecision{step: claimBind, volume: claimedBy(volume("pv1", "", "1Gi"), "ns", "c", "uid-c-c")}},
		{name: "bound claim lost its volume", in: claimInputs{claim: annotated(named(claim("c", "", "1Gi"), "pv1"), AnnBindCompleted, "yes")},
			want: claimDecision{step: claimLost, event: &event{"Warning", "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!"}}},
		{name: "bound claim lost its volume name", in: claimInputs{claim: annotated(claim("c", "", "1Gi"), AnnBindCompleted, "yes")},
			want: claimDecision{step: claimLost, event: &event{"Warning", "ClaimLost", "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!"}}},
		{name: "bound claim whose volume is another's", in: claimInputs{claim: annotated(named(claim("c", "", "1Gi"), "pv1"), AnnBindCompleted, "yes"),
			named: claimedBy(volume("pv1", "", "1Gi"), "ns", "d", "uid-c-d")},
			want: claimDecision{step: claimLost, event: &event{"Warning", "ClaimMisbound", "Two claims are bound to the same volume, this one is bound incorrectly"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decideClaim(tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("decideClaim(%s) = %+v (event %+v); want %+v (event %+v)", tt.in.claim.Name, got, got.event, tt.want, tt.want.event)
			}
		})
	}
	t.Run("bound by the controller to a volume claimed by another is an error", func(t *testing.T) {
		got := decideClaim(claimInputs{claim: annotated(named(claim("c", "", "1Gi"), "pv1"), AnnBoundByController, "yes"),
			named: claimedBy(volume("pv1", "", "1Gi"), "ns", "d", "x")})
		if got.err == nil || got.event == nil || got.event.reason != ReasonFailedBinding {
			t.Errorf("decideClaim() = %+v; want a FailedBinding event and an error", got)
		}
	})
}

func TestDecideVolume(t *testing.T) {
	bound := func(policy corev1.PersistentVolumeReclaimPolicy, phase corev1.PersistentVolumePhase) *corev1.PersistentVolume {
		v := claimedBy(volume("pv1", "", "1Gi"), "ns", "c", "uid-c-c")
		v.Spec.PersistentVolumeReclaimPolicy, v.Status.Phase = policy, phase
		return v
	}
	block := corev1.PersistentVolumeBlock
	c := claim("c", "", "1Gi")
	tests := []struct {
		name   string
		volume *corev1.PersistentVolume
		claim  *corev1.PersistentVolumeClaim
		want   volumeDecision
	}{
		{name: "unclaimed is Available", volume: volume("pv1", "", "1Gi"), want: volumeDecision{step: volumePhase, phase: corev1.VolumeAvailable}},
		{name: "reserved without UID is Available", volume: claimedBy(volume("pv1", "", "1Gi"), "ns", "c", ""), want: volumeDecision{step: volumePhase, phase: corev1.VolumeAvailable}},
		{name: "claim bound here", volume: bound(corev1.PersistentVolumeReclaimRetain, corev1.VolumeAvailable), claim: named(claim("c", "", "1Gi"), "pv1"),
			want: volumeDecision{step: volumePhase, phase: corev1.VolumeBound}},
		{name: "claim not bound yet", volume: bound(corev1.PersistentVolumeReclaimRetain, corev1.VolumeBound), claim: c, want: volumeDecision{step: volumeEnqueueClaim}},
		{name: "claim of another volume mode", volume: with(bound(corev1.PersistentVolumeReclaimRetain, corev1.VolumeAvailable), func(v *corev1.PersistentVolume) { v.Spec.VolumeMode = &block }),
			claim: c, want: volumeDecision{step: volumeNone,
				event:      &event{"Warning", "VolumeMismatch", `Cannot bind PersistentVolume to requested PersistentVolumeClaim "c" due to incompatible volumeMode.`},
				claimEvent: &event{"Warning", "VolumeMismatch", `Cannot bind PersistentVolume "pv1" to requested PersistentVolumeClaim due to incompatible volumeMode.`}}},
		{name: "claim bound elsewhere", volume: bound(corev1.PersistentVolumeReclaimRetain, corev1.VolumeBound), claim: named(claim("c", "", "1Gi"), "pv2"),
			want: volumeDecision{step: volumeUnbind}},
		{name: "claim gone, Retain", volume: bound(corev1.PersistentVolumeReclaimRetain, corev1.VolumeBound), want: volumeDecision{step: volumePhase, phase: corev1.VolumeReleased}},
		{name: "claim gone, Retain, already Released", volume: bound(corev1.PersistentVolumeReclaimRetain, corev1.VolumeReleased), want: volumeDecision{step: volumeNone}},
		{name: "claim gone, Delete", volume: bound(corev1.PersistentVolumeReclaimDelete, corev1.VolumeBound), want: volumeDecision{step: volumeDelete}},
		{name: "claim gone, Recycle", volume: bound(corev1.PersistentVolumeReclaimRecycle, corev1.VolumeBound),
			want: volumeDecision{step: volumePhase, phase: corev1.VolumeFailed, event: &event{"Warning", "VolumeFailedRecycle", "No recycler plugin found for the volume!"}}},
		{name: "claim gone, Recycle, already Failed", volume: bound(corev1.PersistentVolumeReclaimRecycle, corev1.VolumeFailed), want: volumeDecision{step: volumeNone}},
		{name: "claim gone, unknown policy", volume: bound("Shred", corev1.VolumeBound),
			want: volumeDecision{step: volumePhase, phase: corev1.VolumeFailed, event: &event{"Warning", "VolumeUnknownReclaimPolicy", "Volume has unrecognized PersistentVolumeReclaimPolicy"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decideVolume(tt.volume, tt.claim); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("decideVolume(%s) = %+v; want %+v", tt.volume.Name, got, tt.want)
			}
		})
	}
}

func TestHoldsClaim(t *testing.T) {
	c := claim("data", "", "1Gi")
	eph := claim("web-0-scratch", "", "1Gi")
	pod := func(node string, phase corev1.PodPhase, vols ...corev1.Volume) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-0", Namespace: "ns", UID: "pod-uid"},
			Spec: corev1.PodSpec{NodeName: node, Volumes: vols}, Status: corev1.PodStatus{Phase: phase}}
	}
	direct := corev1.Volume{Name: "v", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}
	ephemeral := corev1.Volume{Name: "scratch", VolumeSource: corev1.VolumeSource{Ephemeral: &corev1.EphemeralVolumeSource{}}}
	eph.OwnerReferences = []metav1.OwnerReference{{Kind: "Pod", Name: "web-0", UID: "pod-uid", Controller: ptr(true)}}
	tests := []struct {
		name  string
		pod   *corev1.Pod
		claim *corev1.PersistentVolumeClaim
		want  bool
	}{
		{name: "scheduled pod naming the claim", pod: pod("n1", corev1.PodRunning, direct), claim: c, want: true},
		{name: "finished pod still holds a named claim", pod: pod("n1", corev1.PodSucceeded, direct), claim: c, want: true},
		{name: "unscheduled pod does not", pod: pod("", corev1.PodPending, direct), claim: c},
		{name: "pod without the claim", pod: pod("n1", corev1.PodRunning), claim: c},
		{name: "running pod holds its ephemeral claim", pod: pod("n1", corev1.PodRunning, ephemeral), claim: eph, want: true},
		{name: "finished pod releases its ephemeral claim", pod: pod("n1", corev1.PodFailed, ephemeral), claim: eph},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := holdsClaim(tt.pod, tt.claim); got != tt.want {
				t.Errorf("holdsClaim(%s, %s) = %v; want %v", tt.pod.Name, tt.claim.Name, got, tt.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
