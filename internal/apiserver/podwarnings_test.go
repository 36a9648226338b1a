package apiserver

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// TestPodSpecWarnings checks the messages of upstream's
// pkg/api/pod/warnings.go that the integration tests do not reach, for a
// pod (nil path) and a template.
func TestPodSpecWarnings(t *testing.T) {
	tests := []struct {
		name string
		path *field.Path
		spec corev1.PodSpec
		meta metav1.ObjectMeta
		want []string
	}{{
		name: "duplicate and overlapping ports",
		spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "a", Ports: []corev1.ContainerPort{{ContainerPort: 80, Protocol: "TCP"}, {ContainerPort: 80, Protocol: "TCP"}}},
			{Name: "b", Ports: []corev1.ContainerPort{{ContainerPort: 80, Protocol: "TCP", HostPort: 8080}}},
		}},
		want: []string{
			"spec.containers[0].ports[1]: duplicate port definition with spec.containers[0].ports[0]",
			"spec.containers[1].ports[0]: overlapping port definition with spec.containers[0].ports[0]",
			"spec.containers[1].ports[0]: overlapping port definition with spec.containers[0].ports[1]",
		},
	}, {
		name: "hidden env and fractional memory in a template",
		path: field.NewPath("spec", "template"),
		spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a",
			Env:       []corev1.EnvVar{{Name: "X", Value: "1"}, {Name: "X", Value: "$(X)-2"}, {Name: "X", Value: "3"}},
			Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("100m")}}}}},
		want: []string{
			`spec.template.spec.containers[0].resources.limits[memory]: fractional byte value "100m" is invalid, must be an integer`,
			`spec.template.spec.containers[0].env[2]: hides previous definition of "X", which may be dropped when using apply`,
		},
	}, {
		name: "pull secrets, host aliases and annotations",
		spec: corev1.PodSpec{
			ImagePullSecrets: []corev1.LocalObjectReference{{Name: "r"}, {Name: "r"}, {}},
			HostAliases:      []corev1.HostAlias{{IP: "10.0.0.1"}, {IP: "10.0.0.1"}},
			Containers:       []corev1.Container{{Name: "a"}},
		},
		meta: metav1.ObjectMeta{Annotations: map[string]string{
			"scheduler.alpha.kubernetes.io/critical-pod":       "",
			"container.seccomp.security.alpha.kubernetes.io/a": "runtime/default",
		}},
		want: []string{
			`metadata.annotations[scheduler.alpha.kubernetes.io/critical-pod]: non-functional in v1.16+; use the "priorityClassName" field instead`,
			`spec.hostAliases[1].ip: duplicate ip "10.0.0.1"`,
			`spec.imagePullSecrets[1].name: duplicate name "r"`,
			`spec.imagePullSecrets[2].name: invalid empty name ""`,
			`metadata.annotations[container.seccomp.security.alpha.kubernetes.io/a]: non-functional in v1.27+; use the "seccompProfile" field instead`,
		},
	}, {
		name: "template AppArmor annotation and gitRepo volume",
		path: field.NewPath("spec", "template"),
		spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a"}},
			Volumes: []corev1.Volume{{Name: "src", VolumeSource: corev1.VolumeSource{GitRepo: &corev1.GitRepoVolumeSource{Repository: "r"}}}}},
		meta: metav1.ObjectMeta{Annotations: map[string]string{"container.apparmor.security.beta.kubernetes.io/a": "runtime/default"}},
		want: []string{
			"spec.template.spec.volumes[0].gitRepo: deprecated in v1.11",
			`spec.template.metadata.annotations[container.apparmor.security.beta.kubernetes.io/a]: deprecated since v1.30; use the "appArmorProfile" field instead`,
		},
	}, {
		name: "projected paths that clash with the token, in a template",
		path: field.NewPath("spec", "template"),
		spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a"}}, Volumes: []corev1.Volume{
			{Name: "plain", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
			{Name: "p", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
				{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}},
				{ConfigMap: &corev1.ConfigMapProjection{Items: []corev1.KeyToPath{{Key: "k", Path: "ca.crt"}, {Key: "t", Path: "token"}}}},
				{Secret: &corev1.SecretProjection{Items: []corev1.KeyToPath{{Key: "s", Path: "token"}}}},
				{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "namespace"}, {Path: "token"}}}},
				{ClusterTrustBundle: &corev1.ClusterTrustBundleProjection{Path: "token"}},
			}}}},
			{Name: "q", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
				{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "other"}},
				{ConfigMap: &corev1.ConfigMapProjection{Items: []corev1.KeyToPath{{Key: "k", Path: "other"}}}},
			}}}},
		}},
		want: []string{
			`spec.template.spec.volumes[1].projected.sources.configMap[1]: has duplicated path with ServiceAccountToken "token"`,
			`spec.template.spec.volumes[1].projected.sources.secrets[0]: has duplicated path with ServiceAccountToken "token"`,
			`spec.template.spec.volumes[1].projected.sources.downwardAPI[1]: has duplicated path with ServiceAccountToken "token"`,
			`spec.template.spec.volumes[1].projected.sources.ClusterTrustBundle: has duplicated path with ServiceAccountToken "token"`,
			`spec.template.spec.volumes[2].projected.sources.configMap[0]: has duplicated path with ServiceAccountToken "other"`,
		},
	}, {
		name: "ports across init, regular and ephemeral containers",
		spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "i", Ports: []corev1.ContainerPort{{ContainerPort: 53, Protocol: "UDP", HostIP: "10.0.0.1"}}}},
			Containers: []corev1.Container{{Name: "a", Ports: []corev1.ContainerPort{
				{ContainerPort: 53, Protocol: "UDP", HostPort: 53, HostIP: "10.0.0.2"},
				{ContainerPort: 53, Protocol: "UDP", HostPort: 53},
				{ContainerPort: 53, Protocol: "TCP", HostPort: 53},
			}}},
			EphemeralContainers: []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "e",
				Ports: []corev1.ContainerPort{{ContainerPort: 53, Protocol: "TCP", HostPort: 53}}}}},
		},
		want: []string{
			"spec.initContainers[0].ports[0]: hostIP set without hostPort: {Name: HostPort:0 ContainerPort:53 Protocol:UDP HostIP:10.0.0.1}",
			"spec.containers[0].ports[0]: overlapping port definition with spec.initContainers[0].ports[0]",
			"spec.containers[0].ports[1]: overlapping port definition with spec.initContainers[0].ports[0]",
			"spec.containers[0].ports[1]: dangerously ambiguous port definition with spec.containers[0].ports[0]",
			"spec.ephemeralContainers[0].ports[0]: duplicate port definition with spec.containers[0].ports[2]",
		},
	}, {
		name: "node labels, spread and affinity selectors, overhead, grace period, claim template, pod seccomp",
		spec: corev1.PodSpec{
			Containers:   []corev1.Container{{Name: "a", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceEphemeralStorage: resource.MustParse("1500m")}}}},
			NodeSelector: map[string]string{"beta.kubernetes.io/os": "linux", "kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64"},
			Overhead:     corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("10m")},
			TopologySpreadConstraints: []corev1.TopologySpreadConstraint{
				{TopologyKey: "failure-domain.beta.kubernetes.io/zone"},
				{TopologyKey: "topology.kubernetes.io/zone", LabelSelector: &metav1.LabelSelector{}},
			},
			Affinity: &corev1.Affinity{
				NodeAffinity: &corev1.NodeAffinity{
					RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{
						{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "kubernetes.io/os"}, {Key: "beta.kubernetes.io/instance-type"}}},
					}},
					PreferredDuringSchedulingIgnoredDuringExecution: []corev1.PreferredSchedulingTerm{
						{Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "node-role.kubernetes.io/master"}}}},
					},
				},
				PodAntiAffinity: &corev1.PodAntiAffinity{
					RequiredDuringSchedulingIgnoredDuringExecution:  []corev1.PodAffinityTerm{{TopologyKey: "k"}},
					PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{PodAffinityTerm: corev1.PodAffinityTerm{TopologyKey: "k"}}},
				},
			},
			TerminationGracePeriodSeconds: new(int64(-1)),
			Volumes: []corev1.Volume{{Name: "e", VolumeSource: corev1.VolumeSource{Ephemeral: &corev1.EphemeralVolumeSource{VolumeClaimTemplate: &corev1.PersistentVolumeClaimTemplate{
				Spec: corev1.PersistentVolumeClaimSpec{Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1.5")}}},
			}}}}},
		},
		meta: metav1.ObjectMeta{Annotations: map[string]string{"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"}},
		want: []string{
			`spec.nodeSelector[beta.kubernetes.io/arch]: deprecated since v1.14; use "kubernetes.io/arch" instead`,
			`spec.nodeSelector[beta.kubernetes.io/os]: deprecated since v1.14; use "kubernetes.io/os" instead`,
			`spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[1].key: beta.kubernetes.io/instance-type is deprecated since v1.17; use "node.kubernetes.io/instance-type" instead`,
			`spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchExpressions[0].key: node-role.kubernetes.io/master is use "node-role.kubernetes.io/control-plane" instead`,
			`spec.topologySpreadConstraints[0].topologyKey: failure-domain.beta.kubernetes.io/zone is deprecated since v1.17; use "topology.kubernetes.io/zone" instead`,
			`spec.topologySpreadConstraints[0].labelSelector: a null labelSelector results in matching no pod`,
			`spec.volumes[0].ephemeral.volumeClaimTemplate.spec.resources.requests[storage]: fractional byte value "1500m" is invalid, must be an integer`,
			`spec.overhead[memory]: fractional byte value "10m" is invalid, must be an integer`,
			`metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: non-functional in v1.27+; use the "seccompProfile" field instead`,
			`spec.containers[0].resources.requests[ephemeral-storage]: fractional byte value "1500m" is invalid, must be an integer`,
			`spec.terminationGracePeriodSeconds: must be >= 0; negative values are invalid and will be treated as 1`,
			`spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector: a null labelSelector results in matching no pod`,
			`spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector: a null labelSelector results in matching no pod`,
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := podSpecWarnings(tt.path, &tt.spec, &tt.meta); !slices.Equal(got, tt.want) {
				t.Errorf("podSpecWarnings() = %q; want %q", got, tt.want)
			}
		})
	}
}

// typicalPod is a pod as admission leaves it: one container with a port,
// an environment variable, resources and a probe, and the service account
// token volume.
func typicalPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name: "web", Image: "registry.k8s.io/pause:3.10",
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
				Env:   []corev1.EnvVar{{Name: "MODE", Value: "bench"}},
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")},
					Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("32Mi")},
				},
				VolumeMounts: []corev1.VolumeMount{{Name: "kube-api-access-abcde", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true}},
			}},
			Volumes: []corev1.Volume{{Name: "kube-api-access-abcde", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
				{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: new(int64(3607))}},
				{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"}, Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
				{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
			}}}}},
			Tolerations: []corev1.Toleration{{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: new(int64(300))}},
		},
	}
}

// TestPodSpecWarningsAllocations: a pod with nothing to warn about costs
// the warnings no allocation; paths are built for messages only (35
// allocations a pod when each check built its path first).
func TestPodSpecWarningsAllocations(t *testing.T) {
	p := typicalPod()
	if w := podSpecWarnings(nil, &p.Spec, &p.ObjectMeta); len(w) != 0 {
		t.Fatalf("podSpecWarnings(typical pod) = %q; want none", w)
	}
	if n := testing.AllocsPerRun(50, func() { podSpecWarnings(nil, &p.Spec, &p.ObjectMeta) }); n > 0 {
		t.Errorf("podSpecWarnings(typical pod) made %.0f allocations; want none", n)
	}
}
