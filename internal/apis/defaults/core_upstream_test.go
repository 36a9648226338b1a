package defaults

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// check is one expectation of a table of defaulted values.
type check struct {
	name      string
	got, want any
}

// runChecks reports each check whose value differs from its expectation.
func runChecks(t *testing.T, checks []check) {
	t.Helper()
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v; want %v", c.name, c.got, c.want)
		}
	}
}

func TestPullPolicyFollowsImageParsing(t *testing.T) {
	digest := "sha256:" + strings.Repeat("a", 64)
	tests := []struct {
		name, image string
		want        corev1.PullPolicy
	}{
		{"empty image does not parse", "", corev1.PullIfNotPresent},
		{"upper-case repository does not parse", "Nginx", corev1.PullIfNotPresent},
		{"upper-case path under docker.io does not parse", "team/App:latest", corev1.PullIfNotPresent},
		{"leading space does not parse", " nginx", corev1.PullIfNotPresent},
		{"bare image id does not parse", strings.Repeat("f", 64), corev1.PullIfNotPresent},
		{"latest tag with digest", "nginx:latest@" + digest, corev1.PullAlways},
		{"digest only", "nginx@" + digest, corev1.PullIfNotPresent},
		{"latest tag with malformed digest does not parse", "nginx:latest@sha256:abcd", corev1.PullIfNotPresent},
		{"legacy registry host", "index.docker.io/library/nginx", corev1.PullAlways},
		{"upper-case registry host", "Registry.example.com/app", corev1.PullAlways},
		{"ipv6 registry with port", "[::1]:5000/app", corev1.PullAlways},
		{"upper-case tag other than latest", "nginx:LATEST", corev1.PullIfNotPresent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pullPolicyFor(tt.image); got != tt.want {
				t.Errorf("pullPolicyFor(%q) = %q; want %q", tt.image, got, tt.want)
			}
		})
	}
}

func TestEphemeralContainerDefaults(t *testing.T) {
	p := &corev1.Pod{Spec: corev1.PodSpec{EphemeralContainers: []corev1.EphemeralContainer{{
		EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "debug", Image: "busybox",
			Ports: []corev1.ContainerPort{{ContainerPort: 80}}},
	}}}}
	Apply(p)
	c := p.Spec.EphemeralContainers[0]
	runChecks(t, []check{
		{"pull policy", c.ImagePullPolicy, corev1.PullAlways},
		{"termination message path", c.TerminationMessagePath, "/dev/termination-log"},
		{"port protocol", c.Ports[0].Protocol, corev1.ProtocolTCP},
	})
}

func TestResourceListsAreRoundedToMilli(t *testing.T) {
	tiny := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100n")}
	p := &corev1.Pod{
		Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "i", Image: "x:1", Resources: corev1.ResourceRequirements{Limits: tiny.DeepCopy()}}},
			Containers:     []corev1.Container{{Name: "c", Image: "x:1", Resources: corev1.ResourceRequirements{Requests: tiny.DeepCopy()}}},
			Overhead:       tiny.DeepCopy(),
			Resources:      &corev1.ResourceRequirements{Limits: tiny.DeepCopy()},
		},
		Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{AllocatedResources: tiny.DeepCopy()}}},
	}
	Apply(p)
	cpu := func(rl corev1.ResourceList) string { q := rl[corev1.ResourceCPU]; return q.String() }
	runChecks(t, []check{
		{"init container limit", cpu(p.Spec.InitContainers[0].Resources.Limits), "1m"},
		{"init container request from limit", cpu(p.Spec.InitContainers[0].Resources.Requests), "1m"},
		{"container request", cpu(p.Spec.Containers[0].Resources.Requests), "1m"},
		{"overhead", cpu(p.Spec.Overhead), "1m"},
		{"pod-level limit", cpu(p.Spec.Resources.Limits), "1m"},
		{"status allocated", cpu(p.Status.ContainerStatuses[0].AllocatedResources), "1m"},
	})
}

func TestResourceListsOfOtherKindsAreRounded(t *testing.T) {
	small := func(name corev1.ResourceName) corev1.ResourceList {
		return corev1.ResourceList{name: resource.MustParse("1500u")}
	}
	nd := &corev1.Node{Status: corev1.NodeStatus{Capacity: small(corev1.ResourceCPU)}}
	lr := &corev1.LimitRange{Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
		Type: corev1.LimitTypePod, Max: small(corev1.ResourceCPU)}}}}
	rq := &corev1.ResourceQuota{Spec: corev1.ResourceQuotaSpec{Hard: small(corev1.ResourceCPU)}}
	pv := &corev1.PersistentVolume{Spec: corev1.PersistentVolumeSpec{Capacity: small(corev1.ResourceStorage)}}
	pvc := &corev1.PersistentVolumeClaim{Spec: corev1.PersistentVolumeClaimSpec{
		Resources: corev1.VolumeResourceRequirements{Requests: small(corev1.ResourceStorage)}}}
	Apply(nd)
	Apply(lr)
	Apply(rq)
	Apply(pv)
	Apply(pvc)
	str := func(rl corev1.ResourceList, name corev1.ResourceName) string { q := rl[name]; return q.String() }
	runChecks(t, []check{
		{"node capacity", str(nd.Status.Capacity, corev1.ResourceCPU), "2m"},
		{"node allocatable", str(nd.Status.Allocatable, corev1.ResourceCPU), "2m"},
		{"limit range max", str(lr.Spec.Limits[0].Max, corev1.ResourceCPU), "2m"},
		{"quota hard", str(rq.Spec.Hard, corev1.ResourceCPU), "2m"},
		{"pv capacity", str(pv.Spec.Capacity, corev1.ResourceStorage), "2m"},
		{"pvc request", str(pvc.Spec.Resources.Requests, corev1.ResourceStorage), "2m"},
	})
}

func TestPodLevelResourcesGetNoRequests(t *testing.T) {
	p := &corev1.Pod{Spec: corev1.PodSpec{
		Containers: []corev1.Container{{Name: "c", Image: "x:1"}},
		Resources: &corev1.ResourceRequirements{Limits: corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse("1")}},
	}}
	Apply(p)
	if p.Spec.Resources.Requests != nil {
		t.Errorf("pod-level requests = %v; want none (PodLevelResources is off in 1.33)", p.Spec.Resources.Requests)
	}
}

func TestVolumePluginDefaults(t *testing.T) {
	p := &corev1.Pod{Spec: corev1.PodSpec{Volumes: []corev1.Volume{
		{Name: "sio", VolumeSource: corev1.VolumeSource{ScaleIO: &corev1.ScaleIOVolumeSource{}}},
		{Name: "img", VolumeSource: corev1.VolumeSource{Image: &corev1.ImageVolumeSource{Reference: "x:latest"}}},
	}}}
	pv := &corev1.PersistentVolume{Spec: corev1.PersistentVolumeSpec{PersistentVolumeSource: corev1.PersistentVolumeSource{
		RBD:       &corev1.RBDPersistentVolumeSource{},
		ISCSI:     &corev1.ISCSIPersistentVolumeSource{},
		AzureDisk: &corev1.AzureDiskVolumeSource{},
		ScaleIO:   &corev1.ScaleIOPersistentVolumeSource{},
	}}}
	Apply(p)
	Apply(pv)
	src := pv.Spec.PersistentVolumeSource
	runChecks(t, []check{
		{"volume scaleIO storage mode", p.Spec.Volumes[0].ScaleIO.StorageMode, "ThinProvisioned"},
		{"volume scaleIO fs type", p.Spec.Volumes[0].ScaleIO.FSType, "xfs"},
		{"image volume pull policy (ImageVolume off)", p.Spec.Volumes[1].Image.PullPolicy, corev1.PullPolicy("")},
		{"pv rbd pool", src.RBD.RBDPool, "rbd"},
		{"pv rbd user", src.RBD.RadosUser, "admin"},
		{"pv rbd keyring", src.RBD.Keyring, "/etc/ceph/keyring"},
		{"pv iscsi interface", src.ISCSI.ISCSIInterface, "default"},
		{"pv azure caching", *src.AzureDisk.CachingMode, corev1.AzureDataDiskCachingReadWrite},
		{"pv azure fs type", *src.AzureDisk.FSType, "ext4"},
		{"pv scaleIO storage mode", src.ScaleIO.StorageMode, "ThinProvisioned"},
		{"pv scaleIO fs type", src.ScaleIO.FSType, "xfs"},
	})
}

func TestServiceSessionAffinityAndTrafficPolicies(t *testing.T) {
	none := &corev1.Service{Spec: corev1.ServiceSpec{SessionAffinityConfig: &corev1.SessionAffinityConfig{}}}
	partial := &corev1.Service{Spec: corev1.ServiceSpec{SessionAffinity: corev1.ServiceAffinityClientIP,
		SessionAffinityConfig: &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{}}}}
	external := &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "x.example"}}
	lb := &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer},
		Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{
			{IP: "192.0.2.1"}, {Hostname: "lb.example"}}}}}
	for _, s := range []*corev1.Service{none, partial, external, lb} {
		Apply(s)
	}
	runChecks(t, []check{
		{"None drops affinity config", none.Spec.SessionAffinityConfig == nil, true},
		{"ClientIP timeout filled", *partial.Spec.SessionAffinityConfig.ClientIP.TimeoutSeconds, int32(10800)},
		{"ExternalName has no internal policy", external.Spec.InternalTrafficPolicy == nil, true},
		{"ExternalName has no families", len(external.Spec.IPFamilies), 0},
		{"LB ingress with IP gets VIP", *lb.Status.LoadBalancer.Ingress[0].IPMode, corev1.LoadBalancerIPModeVIP},
		{"LB ingress without IP keeps no mode", lb.Status.LoadBalancer.Ingress[1].IPMode == nil, true},
		{"LB allocates node ports", *lb.Spec.AllocateLoadBalancerNodePorts, true},
	})
}

// TestServiceIPFamilies: as upstream, defaulting leaves ipFamilies as
// the client sent them; the allocator fills them from the cluster's
// families (alloc.go initIPFamilyFields).
func TestServiceIPFamilies(t *testing.T) {
	tests := []struct {
		name string
		spec corev1.ServiceSpec
		want []corev1.IPFamily
	}{
		{"headless selectorless", corev1.ServiceSpec{ClusterIP: "None"}, nil},
		{"cluster IPs given", corev1.ServiceSpec{ClusterIP: "fd00::1", ClusterIPs: []string{"fd00::1", "10.0.0.1"}}, nil},
		{"given family kept", corev1.ServiceSpec{IPFamilies: []corev1.IPFamily{corev1.IPv6Protocol}},
			[]corev1.IPFamily{corev1.IPv6Protocol}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &corev1.Service{Spec: tt.spec}
			Apply(s)
			if !equality.Semantic.DeepEqual(s.Spec.IPFamilies, tt.want) {
				t.Errorf("ipFamilies = %v; want %v", s.Spec.IPFamilies, tt.want)
			}
		})
	}
}

func TestNamespaceLabelAndFinalizer(t *testing.T) {
	ns := &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: "team", Labels: map[string]string{corev1.LabelMetadataName: "other"}},
		Spec:       corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"example.com/cleanup"}},
	}
	gone := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "gone"},
		Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}}
	Apply(ns)
	Apply(gone)
	want := []corev1.FinalizerName{"example.com/cleanup"}
	runChecks(t, []check{
		{"name label overwritten", ns.Labels[corev1.LabelMetadataName], "team"},
		{"finalizers left to the create path", equality.Semantic.DeepEqual(ns.Spec.Finalizers, want), true},
		{"terminating namespace keeps finalizers", len(gone.Spec.Finalizers), 0},
	})
}

func TestNodeDropsConfigSource(t *testing.T) {
	n := &corev1.Node{Spec: corev1.NodeSpec{ConfigSource: &corev1.NodeConfigSource{}}}
	Apply(n)
	if n.Spec.ConfigSource != nil {
		t.Errorf("configSource = %v; want nil", n.Spec.ConfigSource)
	}
}

func TestServiceAccountSecretReferences(t *testing.T) {
	sa := &corev1.ServiceAccount{Secrets: []corev1.ObjectReference{{Name: "tok", Namespace: "ns", Kind: "Secret", UID: "u"}}}
	Apply(sa)
	if sa.Secrets[0] != (corev1.ObjectReference{Name: "tok"}) {
		t.Errorf("secret reference = %+v; want the name only", sa.Secrets[0])
	}
}

func TestClaimDataSources(t *testing.T) {
	group := "snapshot.storage.k8s.io"
	otherNS := "other"
	tests := []struct {
		name              string
		spec              corev1.PersistentVolumeClaimSpec
		wantSrc, wantRef  bool
		wantRefKind       string
		wantSrcGroupIsSet bool
	}{
		{"dataSource copied to dataSourceRef", corev1.PersistentVolumeClaimSpec{
			DataSource: &corev1.TypedLocalObjectReference{APIGroup: &group, Kind: "VolumeSnapshot", Name: "s"}},
			true, true, "VolumeSnapshot", true},
		{"dataSourceRef copied to dataSource", corev1.PersistentVolumeClaimSpec{
			DataSourceRef: &corev1.TypedObjectReference{Kind: "PersistentVolumeClaim", Name: "c"}},
			true, true, "PersistentVolumeClaim", false},
		{"cross-namespace ref not copied", corev1.PersistentVolumeClaimSpec{
			DataSourceRef: &corev1.TypedObjectReference{Kind: "PersistentVolumeClaim", Name: "c", Namespace: &otherNS}},
			false, true, "PersistentVolumeClaim", false},
		{"other legacy kind dropped", corev1.PersistentVolumeClaimSpec{
			DataSource: &corev1.TypedLocalObjectReference{Kind: "ConfigMap", Name: "x"}},
			false, false, "", false},
		{"other kind kept with ref", corev1.PersistentVolumeClaimSpec{
			DataSource:    &corev1.TypedLocalObjectReference{Kind: "ConfigMap", Name: "x"},
			DataSourceRef: &corev1.TypedObjectReference{Kind: "ConfigMap", Name: "x"}},
			true, true, "ConfigMap", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pvc := &corev1.PersistentVolumeClaim{Spec: tt.spec}
			Apply(pvc)
			s := pvc.Spec
			if (s.DataSource != nil) != tt.wantSrc || (s.DataSourceRef != nil) != tt.wantRef {
				t.Fatalf("dataSource, dataSourceRef = %v, %v; want set %v, %v", s.DataSource, s.DataSourceRef, tt.wantSrc, tt.wantRef)
			}
			if s.DataSourceRef != nil && s.DataSourceRef.Kind != tt.wantRefKind {
				t.Errorf("dataSourceRef.kind = %q; want %q", s.DataSourceRef.Kind, tt.wantRefKind)
			}
			if s.DataSource != nil && (s.DataSource.APIGroup != nil) != tt.wantSrcGroupIsSet {
				t.Errorf("dataSource.apiGroup = %v; want set %v", s.DataSource.APIGroup, tt.wantSrcGroupIsSet)
			}
		})
	}
}

func TestCoreUpstreamDefaultsAreIdempotent(t *testing.T) {
	svc := &corev1.Service{Spec: corev1.ServiceSpec{ClusterIP: "None"}}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "n"}}
	pvc := &corev1.PersistentVolumeClaim{Spec: corev1.PersistentVolumeClaimSpec{
		DataSource: &corev1.TypedLocalObjectReference{Kind: "PersistentVolumeClaim", Name: "c"}}}
	Apply(svc)
	Apply(ns)
	Apply(pvc)
	svc2, ns2, pvc2 := svc.DeepCopy(), ns.DeepCopy(), pvc.DeepCopy()
	Apply(svc2)
	Apply(ns2)
	Apply(pvc2)
	runChecks(t, []check{
		{"service", equality.Semantic.DeepEqual(svc, svc2), true},
		{"namespace", equality.Semantic.DeepEqual(ns, ns2), true},
		{"claim", equality.Semantic.DeepEqual(pvc, pvc2), true},
	})
}
