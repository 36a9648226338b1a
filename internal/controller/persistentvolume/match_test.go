package persistentvolume

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func claim(name, class, size string, modes ...corev1.PersistentVolumeAccessMode) *corev1.PersistentVolumeClaim {
	if len(modes) == 0 {
		modes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	}
	c := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID("uid-c-" + name)},
		Spec: corev1.PersistentVolumeClaimSpec{AccessModes: modes,
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)}}}}
	if class != "" {
		c.Spec.StorageClassName = &class
	}
	return c
}

func volume(name, class, size string, modes ...corev1.PersistentVolumeAccessMode) *corev1.PersistentVolume {
	if len(modes) == 0 {
		modes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	}
	return &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"disk": name}},
		Spec: corev1.PersistentVolumeSpec{StorageClassName: class, AccessModes: modes,
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain},
		Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeAvailable}}
}

func with[T any](o T, f func(T)) T { f(o); return o }

func claimedBy(v *corev1.PersistentVolume, ns, name, uid string) *corev1.PersistentVolume {
	v.Spec.ClaimRef = &corev1.ObjectReference{Namespace: ns, Name: name, UID: types.UID(uid)}
	return v
}

func TestFindMatchingVolume(t *testing.T) {
	block := corev1.PersistentVolumeBlock
	rwx := corev1.ReadWriteMany
	tests := []struct {
		name    string
		claim   *corev1.PersistentVolumeClaim
		volumes []*corev1.PersistentVolume
		delay   bool
		want    string
	}{
		{name: "smallest big enough", claim: claim("c", "", "5Gi"),
			volumes: []*corev1.PersistentVolume{volume("big", "", "100Gi"), volume("small", "", "1Gi"), volume("fit", "", "10Gi")}, want: "fit"},
		{name: "exact size", claim: claim("c", "", "10Gi"), volumes: []*corev1.PersistentVolume{volume("a", "", "10Gi")}, want: "a"},
		{name: "class must match", claim: claim("c", "fast", "1Gi"),
			volumes: []*corev1.PersistentVolume{volume("slow", "slow", "1Gi"), volume("none", "", "1Gi")}, want: ""},
		{name: "claim without class takes only volumes without class", claim: claim("c", "", "1Gi"),
			volumes: []*corev1.PersistentVolume{volume("fast", "fast", "1Gi"), volume("plain", "", "2Gi")}, want: "plain"},
		{name: "access modes must be offered", claim: claim("c", "", "1Gi", rwx),
			volumes: []*corev1.PersistentVolume{volume("rwo", "", "1Gi"), volume("rwx", "", "5Gi", corev1.ReadWriteOnce, rwx)}, want: "rwx"},
		{name: "fewest access modes before smallest", claim: claim("c", "", "1Gi"),
			volumes: []*corev1.PersistentVolume{volume("both", "", "1Gi", corev1.ReadWriteOnce, rwx), volume("rwo", "", "5Gi")}, want: "rwo"},
		{name: "volume mode must match", claim: with(claim("c", "", "1Gi"), func(c *corev1.PersistentVolumeClaim) { c.Spec.VolumeMode = &block }),
			volumes: []*corev1.PersistentVolume{volume("fs", "", "1Gi"), with(volume("blk", "", "9Gi"), func(v *corev1.PersistentVolume) { v.Spec.VolumeMode = &block })}, want: "blk"},
		{name: "selector", claim: with(claim("c", "", "1Gi"), func(c *corev1.PersistentVolumeClaim) {
			c.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"disk": "b"}}
		}), volumes: []*corev1.PersistentVolume{volume("a", "", "1Gi"), volume("b", "", "2Gi")}, want: "b"},
		{name: "only Available volumes", claim: claim("c", "", "1Gi"),
			volumes: []*corev1.PersistentVolume{with(volume("pending", "", "1Gi"), func(v *corev1.PersistentVolume) { v.Status.Phase = corev1.VolumePending }),
				with(volume("released", "", "1Gi"), func(v *corev1.PersistentVolume) { v.Status.Phase = corev1.VolumeReleased })}, want: ""},
		{name: "deleted volumes are skipped", claim: claim("c", "", "1Gi"),
			volumes: []*corev1.PersistentVolume{with(volume("gone", "", "1Gi"), func(v *corev1.PersistentVolume) { v.DeletionTimestamp = &metav1.Time{} })}, want: ""},
		{name: "claimed by another claim", claim: claim("c", "", "1Gi"),
			volumes: []*corev1.PersistentVolume{claimedBy(volume("other", "", "1Gi"), "ns", "d", "uid-c-d")}, want: ""},
		{name: "pre-bound to the claim wins over a smaller one", claim: claim("c", "", "1Gi"),
			volumes: []*corev1.PersistentVolume{volume("small", "", "1Gi"), claimedBy(volume("mine", "", "50Gi"), "ns", "c", "")}, want: "mine"},
		{name: "pre-bound to an older claim of the same name", claim: claim("c", "", "1Gi"),
			volumes: []*corev1.PersistentVolume{claimedBy(volume("old", "", "1Gi"), "ns", "c", "uid-old")}, want: ""},
		{name: "pre-bound volume of another class", claim: claim("c", "fast", "1Gi"),
			volumes: []*corev1.PersistentVolume{claimedBy(volume("mine", "slow", "1Gi"), "ns", "c", "")}, want: "mine"},
		{name: "wait for first consumer: only pre-bound", claim: claim("c", "local", "1Gi"), delay: true,
			volumes: []*corev1.PersistentVolume{volume("free", "local", "1Gi")}, want: ""},
		{name: "wait for first consumer: scheduler's choice", claim: claim("c", "local", "1Gi"), delay: true,
			volumes: []*corev1.PersistentVolume{volume("free", "local", "1Gi"), claimedBy(volume("chosen", "local", "2Gi"), "ns", "c", "uid-c-c")}, want: "chosen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FindMatchingVolume(tt.claim, tt.volumes, tt.delay)
			if err != nil {
				t.Fatalf("FindMatchingVolume() error = %v", err)
			}
			name := ""
			if got != nil {
				name = got.Name
			}
			if name != tt.want {
				t.Errorf("FindMatchingVolume(%s, delay=%v) = %q; want %q", tt.claim.Name, tt.delay, name, tt.want)
			}
		})
	}
}

func TestCheckVolumeSatisfiesClaim(t *testing.T) {
	block := corev1.PersistentVolumeBlock
	tests := []struct {
		name   string
		volume *corev1.PersistentVolume
		want   string
	}{
		{name: "fits", volume: volume("v", "fast", "2Gi")},
		{name: "too small", volume: volume("v", "fast", "512Mi"), want: "requested PV is too small"},
		{name: "other class", volume: volume("v", "slow", "2Gi"), want: "storageClassName does not match"},
		{name: "block", volume: with(volume("v", "fast", "2Gi"), func(v *corev1.PersistentVolume) { v.Spec.VolumeMode = &block }), want: "incompatible volumeMode"},
		{name: "read only many", volume: volume("v", "fast", "2Gi", corev1.ReadOnlyMany), want: "incompatible accessMode"},
		{name: "being deleted", volume: with(volume("v", "fast", "2Gi"), func(v *corev1.PersistentVolume) { v.DeletionTimestamp = &metav1.Time{} }),
			want: `the volume is marked for deletion "v"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkVolumeSatisfiesClaim(tt.volume, claim("c", "fast", "1Gi"))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("checkVolumeSatisfiesClaim() = %q; want %q", got, tt.want)
			}
		})
	}
}
