package validation

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	accessModes     = []corev1.PersistentVolumeAccessMode{corev1.ReadOnlyMany, corev1.ReadWriteMany, corev1.ReadWriteOnce, corev1.ReadWriteOncePod}
	reclaimPolicies = []corev1.PersistentVolumeReclaimPolicy{corev1.PersistentVolumeReclaimDelete, corev1.PersistentVolumeReclaimRecycle, corev1.PersistentVolumeReclaimRetain}
	volumeModes     = []corev1.PersistentVolumeMode{corev1.PersistentVolumeBlock, corev1.PersistentVolumeFilesystem}
)

// validatePV checks a PersistentVolume: access modes, a storage
// capacity, one volume source and a known reclaim policy.
func validatePV(pv *corev1.PersistentVolume) field.ErrorList {
	errs := objectMeta(&pv.ObjectMeta, false, dnsSubdomain)
	errs = append(errs, accessModeList(pv.Spec.AccessModes, specPath.Child("accessModes"))...)
	capPath := specPath.Child("capacity")
	if len(pv.Spec.Capacity) == 0 {
		errs = append(errs, field.Required(capPath, ""))
	} else if _, ok := pv.Spec.Capacity[corev1.ResourceStorage]; !ok || len(pv.Spec.Capacity) > 1 {
		keys := make([]corev1.ResourceName, 0, len(pv.Spec.Capacity))
		for k := range pv.Spec.Capacity {
			keys = append(keys, k)
		}
		errs = append(errs, field.NotSupported(capPath, keys, []corev1.ResourceName{corev1.ResourceStorage}))
	}
	errs = append(errs, resourceList(pv.Spec.Capacity, capPath)...)
	errs = append(errs, oneSource(&pv.Spec.PersistentVolumeSource, specPath)...)
	errs = append(errs, enumOptional(pv.Spec.PersistentVolumeReclaimPolicy, reclaimPolicies, specPath.Child("persistentVolumeReclaimPolicy"))...)
	errs = append(errs, enumOptional(ptrValue(pv.Spec.VolumeMode), volumeModes, specPath.Child("volumeMode"))...)
	errs = append(errs, optionalName(pv.Spec.StorageClassName, dnsSubdomain, specPath.Child("storageClassName"))...)
	return errs
}

// accessModeList requires at least one known access mode.
func accessModeList(modes []corev1.PersistentVolumeAccessMode, fldPath *field.Path) field.ErrorList {
	if len(modes) == 0 {
		return field.ErrorList{field.Required(fldPath, "at least 1 access mode is required")}
	}
	var errs field.ErrorList
	for _, m := range modes {
		errs = append(errs, enumOptional(m, accessModes, fldPath)...)
	}
	return errs
}

// validatePVC checks a PersistentVolumeClaim.
func validatePVC(pvc *corev1.PersistentVolumeClaim) field.ErrorList {
	errs := objectMeta(&pvc.ObjectMeta, true, dnsSubdomain)
	return append(errs, claimSpec(&pvc.Spec, specPath)...)
}

// claimSpec checks access modes and a positive storage request.
func claimSpec(s *corev1.PersistentVolumeClaimSpec, fldPath *field.Path) field.ErrorList {
	errs := accessModeList(s.AccessModes, fldPath.Child("accessModes"))
	errs = append(errs, labelSelector(s.Selector, fldPath.Child("selector"))...)
	storagePath := fldPath.Child("resources", "requests").Key(string(corev1.ResourceStorage))
	if q, ok := s.Resources.Requests[corev1.ResourceStorage]; !ok {
		errs = append(errs, field.Required(storagePath, ""))
	} else if q.Sign() <= 0 {
		errs = append(errs, field.Invalid(storagePath, q.String(), "must be greater than zero"))
	}
	errs = append(errs, enumOptional(ptrValue(s.VolumeMode), volumeModes, fldPath.Child("volumeMode"))...)
	if s.StorageClassName != nil {
		errs = append(errs, optionalName(*s.StorageClassName, dnsSubdomain, fldPath.Child("storageClassName"))...)
	}
	return errs
}

// validatePVCUpdate allows only resources.requests, volumeName (when it
// was empty) and volumeAttributesClassName to change.
func validatePVCUpdate(pvc, old *corev1.PersistentVolumeClaim) field.ErrorList {
	spec := old.Spec.DeepCopy()
	spec.Resources.Requests = pvc.Spec.Resources.Requests
	spec.VolumeAttributesClassName = pvc.Spec.VolumeAttributesClassName
	if old.Spec.VolumeName == "" {
		spec.VolumeName = pvc.Spec.VolumeName
	}
	if old.Spec.StorageClassName == nil {
		spec.StorageClassName = pvc.Spec.StorageClassName
	}
	if !equality.Semantic.DeepEqual(spec, &pvc.Spec) {
		return field.ErrorList{field.Forbidden(specPath,
			"spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims")}
	}
	return nil
}

// validatePVUpdate keeps the volume source.
func validatePVUpdate(pv, old *corev1.PersistentVolume) field.ErrorList {
	if !equality.Semantic.DeepEqual(pv.Spec.PersistentVolumeSource, old.Spec.PersistentVolumeSource) {
		return field.ErrorList{field.Forbidden(specPath.Child("persistentvolumesource"), "spec.persistentvolumesource is forbidden.")}
	}
	return immutable(pv.Spec.VolumeMode, old.Spec.VolumeMode, specPath.Child("volumeMode"))
}
