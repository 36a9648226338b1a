package printers

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestPersistentVolumeRow follows upstream's TestPrintPersistentVolume.
func TestPersistentVolumeRow(t *testing.T) {
	block := corev1.PersistentVolumeBlock
	bound := &corev1.PersistentVolume{
		ObjectMeta: objMeta("pv1"),
		Spec: corev1.PersistentVolumeSpec{
			ClaimRef:                      &corev1.ObjectReference{Namespace: "default", Name: "claim"},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany, corev1.ReadWriteOnce, corev1.ReadWriteOnce},
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("4Gi")},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			StorageClassName:              "fast",
			VolumeAttributesClassName:     ptr("gold"),
			VolumeMode:                    &block,
		},
		Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeBound},
	}
	deleting := bound.DeepCopy()
	deleting.DeletionTimestamp = agoPtr(time.Minute)
	deleting.Annotations = map[string]string{"volume.beta.kubernetes.io/storage-class": "beta"}
	checkRows(t, core.WithKind("PersistentVolume"), []rowCase{
		{"bound", bound, []interface{}{"pv1", "4Gi", "RWO,RWX", "Retain", "Bound", "default/claim", "fast", "gold", "", "3h", "Block"}},
		{"terminating, beta class annotation", deleting, []interface{}{"pv1", "4Gi", "RWO,RWX", "Retain", "Terminating", "default/claim", "beta", "gold", "", "3h", "Block"}},
		{"empty", &corev1.PersistentVolume{ObjectMeta: objMeta("pv2"), Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeFailed, Reason: "Broken"}},
			[]interface{}{"pv2", "0", "", "", "Failed", "", "", "<unset>", "Broken", "3h", "<unset>"}},
	})
}

// TestPersistentVolumeClaimRow follows upstream's
// TestPrintPersistentVolumeClaim: capacity and modes show once bound.
func TestPersistentVolumeClaimRow(t *testing.T) {
	fs := corev1.PersistentVolumeFilesystem
	pending := &corev1.PersistentVolumeClaim{
		ObjectMeta: objMeta("data"),
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: ptr("standard"),
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
	}
	bound := pending.DeepCopy()
	bound.Spec.VolumeName = "pv-123"
	bound.Spec.VolumeMode = &fs
	bound.Status = corev1.PersistentVolumeClaimStatus{
		Phase:       corev1.ClaimBound,
		AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOncePod, corev1.ReadOnlyMany},
		Capacity:    corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("2Gi")},
	}
	checkRows(t, core.WithKind("PersistentVolumeClaim"), []rowCase{
		{"pending", pending, []interface{}{"data", "Pending", "", "", "", "standard", "<unset>", "3h", "<unset>"}},
		{"bound", bound, []interface{}{"data", "Bound", "pv-123", "2Gi", "ROX,RWOP", "standard", "<unset>", "3h", "Filesystem"}},
	})
}

// TestStorageClassRow follows upstream's TestPrintStorageClass.
func TestStorageClassRow(t *testing.T) {
	retain := corev1.PersistentVolumeReclaimRetain
	wait := storagev1.VolumeBindingWaitForFirstConsumer
	checkRows(t, storagev1.SchemeGroupVersion.WithKind("StorageClass"), []rowCase{
		{"defaults", &storagev1.StorageClass{ObjectMeta: objMeta("sc1"), Provisioner: "kubernetes.io/glusterfs"},
			[]interface{}{"sc1", "kubernetes.io/glusterfs", "Delete", "Immediate", false, "3h"}},
		{"set fields", &storagev1.StorageClass{ObjectMeta: objMeta("sc2"), Provisioner: "rancher.io/local-path", ReclaimPolicy: &retain, VolumeBindingMode: &wait, AllowVolumeExpansion: ptr(true)},
			[]interface{}{"sc2", "rancher.io/local-path", "Retain", "WaitForFirstConsumer", true, "3h"}},
		{"default class", &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "local", Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}}, Provisioner: "p"},
			[]interface{}{"local (default)", "p", "Delete", "Immediate", false, "<unknown>"}},
		{"beta default class", &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "old", Annotations: map[string]string{"storageclass.beta.kubernetes.io/is-default-class": "true"}}, Provisioner: "p"},
			[]interface{}{"old (default)", "p", "Delete", "Immediate", false, "<unknown>"}},
	})
}
