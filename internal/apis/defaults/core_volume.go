package defaults

import (
	"reflect"

	corev1 "k8s.io/api/core/v1"
)

// Upstream's defaults for volume plugin sources.
const (
	defaultScaleIOStorageMode = "ThinProvisioned"
	defaultScaleIOFSType      = "xfs"
	defaultAzureDiskFSType    = "ext4"
	defaultISCSIInterface     = "default"
	defaultRBDPool            = "rbd"
	defaultRBDUser            = "admin"
	defaultRBDKeyring         = "/etc/ceph/keyring"
)

// volume applies Volume defaults: a volume with no source becomes an
// emptyDir, and each source gets its own defaults. An image volume's pull
// policy is not defaulted: that needs the ImageVolume gate, off in 1.33.
func volume(v *corev1.Volume) {
	if noVolumeSource(&v.VolumeSource) {
		v.VolumeSource.EmptyDir = &corev1.EmptyDirVolumeSource{}
	}
	fileSources(&v.VolumeSource)
	pluginSources(&v.VolumeSource)
	if e := v.Ephemeral; e != nil && e.VolumeClaimTemplate != nil {
		claimSpec(&e.VolumeClaimTemplate.Spec)
	}
}

// fileSources defaults the sources that project files: secrets, config
// maps, the downward API and projected volumes.
func fileSources(src *corev1.VolumeSource) {
	if src.Secret != nil && src.Secret.DefaultMode == nil {
		src.Secret.DefaultMode = ptrTo(defaultFileMode)
	}
	if src.ConfigMap != nil && src.ConfigMap.DefaultMode == nil {
		src.ConfigMap.DefaultMode = ptrTo(defaultFileMode)
	}
	if src.DownwardAPI != nil {
		if src.DownwardAPI.DefaultMode == nil {
			src.DownwardAPI.DefaultMode = ptrTo(defaultFileMode)
		}
		downwardAPIItems(src.DownwardAPI.Items)
	}
	if src.Projected != nil {
		projected(src.Projected)
	}
}

// pluginSources defaults the host path and the storage plugin sources.
func pluginSources(src *corev1.VolumeSource) {
	if src.HostPath != nil && src.HostPath.Type == nil {
		src.HostPath.Type = ptrTo(corev1.HostPathUnset)
	}
	if src.ISCSI != nil {
		iscsiInterface(&src.ISCSI.ISCSIInterface)
	}
	if src.RBD != nil {
		rbd(&src.RBD.RBDPool, &src.RBD.RadosUser, &src.RBD.Keyring)
	}
	if src.AzureDisk != nil {
		azureDisk(src.AzureDisk)
	}
	if src.ScaleIO != nil {
		scaleIO(&src.ScaleIO.StorageMode, &src.ScaleIO.FSType)
	}
}

// noVolumeSource reports whether every source pointer is nil.
func noVolumeSource(src *corev1.VolumeSource) bool {
	v := reflect.ValueOf(src).Elem()
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); f.Kind() == reflect.Pointer && !f.IsNil() {
			return false
		}
	}
	return true
}

// projected defaults a projected volume and its sources.
func projected(p *corev1.ProjectedVolumeSource) {
	if p.DefaultMode == nil {
		p.DefaultMode = ptrTo(defaultFileMode)
	}
	for i := range p.Sources {
		s := &p.Sources[i]
		if s.DownwardAPI != nil {
			downwardAPIItems(s.DownwardAPI.Items)
		}
		if s.ServiceAccountToken != nil && s.ServiceAccountToken.ExpirationSeconds == nil {
			s.ServiceAccountToken.ExpirationSeconds = ptrTo(defaultTokenExpiration)
		}
	}
}

// downwardAPIItems defaults the fieldRef apiVersion of each item.
func downwardAPIItems(items []corev1.DownwardAPIVolumeFile) {
	for i := range items {
		fieldRef(items[i].FieldRef)
	}
}

// iscsiInterface defaults an iSCSI volume's interface to "default".
func iscsiInterface(iface *string) {
	if *iface == "" {
		*iface = defaultISCSIInterface
	}
}

// rbd applies upstream's RBD defaults to a volume's or a persistent
// volume's pool, user and keyring.
func rbd(pool, user, keyring *string) {
	if *pool == "" {
		*pool = defaultRBDPool
	}
	if *user == "" {
		*user = defaultRBDUser
	}
	if *keyring == "" {
		*keyring = defaultRBDKeyring
	}
}

// azureDisk applies upstream's Azure disk defaults.
func azureDisk(a *corev1.AzureDiskVolumeSource) {
	if a.CachingMode == nil {
		a.CachingMode = ptrTo(corev1.AzureDataDiskCachingReadWrite)
	}
	if a.Kind == nil {
		a.Kind = ptrTo(corev1.AzureSharedBlobDisk)
	}
	if a.FSType == nil {
		a.FSType = ptrTo(defaultAzureDiskFSType)
	}
	if a.ReadOnly == nil {
		a.ReadOnly = ptrTo(false)
	}
}

// scaleIO applies upstream's ScaleIO defaults to a volume's or a
// persistent volume's storage mode and file system type.
func scaleIO(storageMode, fsType *string) {
	if *storageMode == "" {
		*storageMode = defaultScaleIOStorageMode
	}
	if *fsType == "" {
		*fsType = defaultScaleIOFSType
	}
}

// claimSpec defaults a PersistentVolumeClaimSpec's volumeMode and rounds
// its resources.
func claimSpec(s *corev1.PersistentVolumeClaimSpec) {
	if s.VolumeMode == nil {
		s.VolumeMode = ptrTo(corev1.PersistentVolumeFilesystem)
	}
	roundResourceList(s.Resources.Limits)
	roundResourceList(s.Resources.Requests)
}
