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
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := podSpecWarnings(tt.path, &tt.spec, &tt.meta); !slices.Equal(got, tt.want) {
				t.Errorf("podSpecWarnings() = %q; want %q", got, tt.want)
			}
		})
	}
}
