package volumebinding

import (
	"sort"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// FindVolumes picks, for each claim, a volume pre-bound to it or else the
// smallest available volume that matches it and fits node (leaving out
// volumes assumed for other claims), each volume used once; ok is false when some
// claim gets none. The result maps claim names to volume names.
func (pl *VolumeBinding) FindVolumes(claims []*v1.PersistentVolumeClaim, node *v1.Node) (map[string]string, bool) {
	all, err := pl.volumes.List(labels.Everything())
	if err != nil {
		return nil, false
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i].Spec.Capacity[v1.ResourceStorage], all[j].Spec.Capacity[v1.ResourceStorage]
		if c := a.Cmp(b); c != 0 {
			return c < 0
		}
		return all[i].Name < all[j].Name
	})
	used := map[string]bool{}
	out := map[string]string{}
	for _, pvc := range claims {
		found := ""
		for _, pv := range all {
			if used[pv.Name] || !pl.free(pv, pvc) || !volumeMatches(pv, pvc) || !VolumeFitsNode(pv, node) {
				continue
			}
			if ref := pv.Spec.ClaimRef; ref != nil { // pre-bound to pvc: take it
				found = pv.Name
				break
			}
			if found == "" {
				found = pv.Name
			}
		}
		if found == "" {
			return nil, false
		}
		used[found] = true
		out[pvc.Name] = found
	}
	return out, true
}

// free reports whether pv is not assumed for a claim other than pvc.
func (pl *VolumeBinding) free(pv *v1.PersistentVolume, pvc *v1.PersistentVolumeClaim) bool {
	if pl.assumed == nil {
		return true
	}
	c := pl.assumed.claimOf(pv.Name)
	return c == "" || c == pvc.Namespace+"/"+pvc.Name
}

// volumeMatches reports whether pv is available to pvc: unclaimed (or
// pre-bound to pvc), Available, of pvc's class, big enough, offering the
// access modes and volume mode pvc asks, and selected by pvc's selector.
func volumeMatches(pv *v1.PersistentVolume, pvc *v1.PersistentVolumeClaim) bool {
	if ref := pv.Spec.ClaimRef; ref != nil {
		if ref.Name != pvc.Name || ref.Namespace != pvc.Namespace || (ref.UID != "" && ref.UID != pvc.UID) {
			return false
		}
	}
	if pv.DeletionTimestamp != nil || (pv.Status.Phase != "" && pv.Status.Phase != v1.VolumeAvailable) {
		return false
	}
	if pv.Spec.StorageClassName != claimClass(pvc) {
		return false
	}
	want := pvc.Spec.Resources.Requests[v1.ResourceStorage]
	if have := pv.Spec.Capacity[v1.ResourceStorage]; have.Cmp(want) < 0 {
		return false
	}
	if volumeMode(pv.Spec.VolumeMode) != volumeMode(pvc.Spec.VolumeMode) {
		return false
	}
	for _, m := range pvc.Spec.AccessModes {
		if !hasMode(pv.Spec.AccessModes, m) {
			return false
		}
	}
	if pvc.Spec.Selector != nil {
		sel, err := metav1.LabelSelectorAsSelector(pvc.Spec.Selector)
		if err != nil || !sel.Matches(labels.Set(pv.Labels)) {
			return false
		}
	}
	return true
}

func volumeMode(m *v1.PersistentVolumeMode) v1.PersistentVolumeMode {
	if m == nil {
		return v1.PersistentVolumeFilesystem
	}
	return *m
}

func hasMode(modes []v1.PersistentVolumeAccessMode, m v1.PersistentVolumeAccessMode) bool {
	for _, x := range modes {
		if x == m {
			return true
		}
	}
	return false
}
