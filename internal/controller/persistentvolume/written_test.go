package persistentvolume

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

func TestWrittenVolumes(t *testing.T) {
	at := func(rv, phase string) *corev1.PersistentVolume {
		v := volume("pv1", "", "1Gi")
		v.ResourceVersion, v.Status.Phase = rv, corev1.PersistentVolumePhase(phase)
		return v
	}
	tests := []struct {
		name      string
		cached    *corev1.PersistentVolume // nil: not in the informer
		written   *corev1.PersistentVolume
		wantPhase corev1.PersistentVolumePhase
		wantKept  bool
	}{
		{name: "written is newer", cached: at("10", "Available"), written: at("12", "Bound"), wantPhase: corev1.VolumeBound, wantKept: true},
		{name: "informer caught up", cached: at("12", "Bound"), written: at("12", "Bound"), wantPhase: corev1.VolumeBound},
		{name: "informer is newer", cached: at("15", "Released"), written: at("12", "Bound"), wantPhase: corev1.VolumeReleased},
		{name: "deleted meanwhile", written: at("12", "Bound")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
			if tt.cached != nil {
				if err := idx.Add(tt.cached); err != nil {
					t.Fatal(err)
				}
			}
			w := newWrittenVolumes(corelisters.NewPersistentVolumeLister(idx))
			w.store(tt.written)
			all, err := w.List()
			if err != nil {
				t.Fatal(err)
			}
			var got corev1.PersistentVolumePhase
			if len(all) == 1 {
				got = all[0].Status.Phase
			}
			if got != tt.wantPhase {
				t.Errorf("List() phase = %q; want %q", got, tt.wantPhase)
			}
			if _, kept := w.byName["pv1"]; kept != tt.wantKept {
				t.Errorf("written version kept = %v; want %v", kept, tt.wantKept)
			}
		})
	}
}
