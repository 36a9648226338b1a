package integration

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestPersistentVolumePhaseTransitionTime: as upstream's persistentvolume
// strategies (pkg/registry/core/persistentvolume/strategy.go), a new
// volume is Pending since its creation; a status update that changes the
// phase stamps status.lastPhaseTransitionTime with the server's clock
// unless the client set a new time itself, and one that keeps the phase
// keeps the time a client left out.
func TestPersistentVolumePhaseTransitionTime(t *testing.T) {
	ctx := ctxFor(t)
	pvc := shared.cs.CoreV1().PersistentVolumes()
	name := uniqueName("pv-transition")
	t.Cleanup(func() { _ = pvc.Delete(ctx, name, metav1.DeleteOptions{}) })
	before := time.Now().Truncate(time.Second)
	pv := newPV("", name)
	pv.Status = corev1.PersistentVolumeStatus{Phase: corev1.VolumeBound}
	pv, err := pvc.Create(ctx, pv, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pv.Status.Phase != corev1.VolumePending || pv.Status.LastPhaseTransitionTime == nil || pv.Status.LastPhaseTransitionTime.Time.Before(before) {
		t.Fatalf("created volume: phase %s, lastPhaseTransitionTime %v; want Pending since %v or later", pv.Status.Phase, pv.Status.LastPhaseTransitionTime, before)
	}

	clientTime := metav1.NewTime(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC))
	pv.Status.Phase, pv.Status.LastPhaseTransitionTime = corev1.VolumeAvailable, &clientTime
	pv = updateVolumeStatus(t, pv)
	if pv.Status.LastPhaseTransitionTime == nil || !pv.Status.LastPhaseTransitionTime.Equal(&clientTime) {
		t.Errorf("phase change with a new time %v from the client: lastPhaseTransitionTime %v; want the client's", clientTime, pv.Status.LastPhaseTransitionTime)
	}

	pv.Status.Phase = corev1.VolumeReleased
	pv = updateVolumeStatus(t, pv)
	if pv.Status.LastPhaseTransitionTime == nil || pv.Status.LastPhaseTransitionTime.Time.Before(before) {
		t.Errorf("phase change keeping the old time: lastPhaseTransitionTime %v; want the server's clock, %v or later", pv.Status.LastPhaseTransitionTime, before)
	}
	stamped := pv.Status.LastPhaseTransitionTime

	pv.Status.LastPhaseTransitionTime, pv.Status.Message = nil, "same phase"
	pv = updateVolumeStatus(t, pv)
	if pv.Status.LastPhaseTransitionTime == nil || !pv.Status.LastPhaseTransitionTime.Equal(stamped) {
		t.Errorf("same phase, time left out: lastPhaseTransitionTime %v; want the old %v", pv.Status.LastPhaseTransitionTime, stamped)
	}

	pv.Status.Phase, pv.Status.LastPhaseTransitionTime = corev1.VolumeAvailable, nil
	pv = updateVolumeStatus(t, pv)
	if pv.Status.LastPhaseTransitionTime == nil || pv.Status.LastPhaseTransitionTime.Time.Before(before) {
		t.Errorf("phase change, time left out: lastPhaseTransitionTime %v; want the server's clock, %v or later", pv.Status.LastPhaseTransitionTime, before)
	}
}

// updateVolumeStatus writes pv's status and returns the stored volume.
func updateVolumeStatus(t *testing.T, pv *corev1.PersistentVolume) *corev1.PersistentVolume {
	t.Helper()
	out, err := shared.cs.CoreV1().PersistentVolumes().UpdateStatus(ctxFor(t), pv, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update status to phase %s: %v", pv.Status.Phase, err)
	}
	return out
}
