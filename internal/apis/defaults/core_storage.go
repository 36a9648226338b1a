package defaults

import (
	corev1 "k8s.io/api/core/v1"
)

// The data sources a claim's legacy dataSource field accepts.
const (
	claimKind        = "PersistentVolumeClaim"
	snapshotKind     = "VolumeSnapshot"
	snapshotAPIGroup = "snapshot.storage.k8s.io"
)

// persistentVolume defaults phase, reclaim policy, volume mode, the
// volume plugin sources and the capacity's precision.
func persistentVolume(pv *corev1.PersistentVolume) {
	if pv.Status.Phase == "" {
		pv.Status.Phase = corev1.VolumePending
	}
	if pv.Spec.PersistentVolumeReclaimPolicy == "" {
		pv.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
	}
	if pv.Spec.VolumeMode == nil {
		pv.Spec.VolumeMode = ptrTo(corev1.PersistentVolumeFilesystem)
	}
	roundResourceList(pv.Spec.Capacity)
	persistentVolumeSource(&pv.Spec.PersistentVolumeSource)
}

// persistentVolumeSource applies the defaults of the plugin sources a
// persistent volume may use.
func persistentVolumeSource(src *corev1.PersistentVolumeSource) {
	if hp := src.HostPath; hp != nil && hp.Type == nil {
		hp.Type = ptrTo(corev1.HostPathUnset)
	}
	if src.RBD != nil {
		rbd(&src.RBD.RBDPool, &src.RBD.RadosUser, &src.RBD.Keyring)
	}
	if src.ISCSI != nil {
		iscsiInterface(&src.ISCSI.ISCSIInterface)
	}
	if src.AzureDisk != nil {
		azureDisk(src.AzureDisk)
	}
	if src.ScaleIO != nil {
		scaleIO(&src.ScaleIO.StorageMode, &src.ScaleIO.FSType)
	}
}

// persistentVolumeClaim defaults the phase and spec of a claim, as
// upstream does for claims and for StatefulSet claim templates.
func persistentVolumeClaim(pvc *corev1.PersistentVolumeClaim) {
	if pvc.Status.Phase == "" {
		pvc.Status.Phase = corev1.ClaimPending
	}
	claimSpec(&pvc.Spec)
	roundResourceList(pvc.Status.Capacity)
	roundResourceList(pvc.Status.AllocatedResources)
}

// claimObject defaults a PersistentVolumeClaim object: the claim defaults
// plus its registry strategy's handling of the two data source fields.
func claimObject(pvc *corev1.PersistentVolumeClaim) {
	persistentVolumeClaim(pvc)
	dropLegacyDataSource(&pvc.Spec)
	normalizeDataSources(&pvc.Spec)
}

// dropLegacyDataSource drops a dataSource other than a claim or a volume
// snapshot when dataSourceRef is unset: such sources are silently ignored
// in the legacy field and may only be given through dataSourceRef.
func dropLegacyDataSource(s *corev1.PersistentVolumeClaimSpec) {
	if s.DataSourceRef != nil || s.DataSource == nil {
		return
	}
	group := ""
	if s.DataSource.APIGroup != nil {
		group = *s.DataSource.APIGroup
	}
	claim := s.DataSource.Kind == claimKind && group == ""
	snapshot := s.DataSource.Kind == snapshotKind && group == snapshotAPIGroup
	if !claim && !snapshot {
		s.DataSource = nil
	}
}

// normalizeDataSources copies dataSource into an unset dataSourceRef, or a
// same-namespace dataSourceRef into an unset dataSource.
func normalizeDataSources(s *corev1.PersistentVolumeClaimSpec) {
	switch {
	case s.DataSource != nil && s.DataSourceRef == nil:
		s.DataSourceRef = &corev1.TypedObjectReference{
			APIGroup: copyPtr(s.DataSource.APIGroup), Kind: s.DataSource.Kind, Name: s.DataSource.Name,
		}
	case s.DataSourceRef != nil && s.DataSource == nil:
		if ns := s.DataSourceRef.Namespace; ns != nil && *ns != "" {
			return
		}
		s.DataSource = &corev1.TypedLocalObjectReference{
			APIGroup: copyPtr(s.DataSourceRef.APIGroup), Kind: s.DataSourceRef.Kind, Name: s.DataSourceRef.Name,
		}
	}
}

// copyPtr returns a pointer to a copy of *p, or nil.
func copyPtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	return ptrTo(*p)
}
