package validation

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validSpec is a pod spec as the API stores one: defaulted, with the
// service account token volume, a probe, a port, env and requests.
func validSpec() *corev1.PodSpec {
	grace := int64(30)
	return &corev1.PodSpec{
		Volumes: []corev1.Volume{{Name: "kube-api-access", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
			Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}}},
		}}}},
		Containers: []corev1.Container{{
			Name: "app", Image: "nginx", TerminationMessagePolicy: corev1.TerminationMessageReadFile,
			TerminationMessagePath: "/dev/termination-log", ImagePullPolicy: corev1.PullIfNotPresent,
			Ports:        []corev1.ContainerPort{{Name: "http", ContainerPort: 80, Protocol: corev1.ProtocolTCP}},
			Env:          []corev1.EnvVar{{Name: "MODE", Value: "prod"}},
			Resources:    corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}},
			VolumeMounts: []corev1.VolumeMount{{Name: "kube-api-access", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true}},
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
				Path: "/", Port: intstr.FromInt32(80), Scheme: corev1.URISchemeHTTP}},
				TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3},
		}},
		RestartPolicy: corev1.RestartPolicyAlways, DNSPolicy: corev1.DNSClusterFirst, TerminationGracePeriodSeconds: &grace,
		ServiceAccountName: "default", SchedulerName: "default-scheduler",
		Tolerations: []corev1.Toleration{
			{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
			{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
		},
	}
}

// TestPodSpecValidationAllocations: validating a valid pod builds no
// field path for a field that is valid or unset (this spec took 69 allocations
// when every field's path was built first).
func TestPodSpecValidationAllocations(t *testing.T) {
	s := validSpec()
	if errs := podSpec(s, field.NewPath("spec"), false); len(errs) > 0 {
		t.Fatalf("valid spec: %v", errs)
	}
	if n := testing.AllocsPerRun(100, func() { podSpec(s, field.NewPath("spec"), false) }); n > 45 {
		t.Fatalf("validating a valid pod spec took %.0f allocations, want at most 45", n)
	}
}

// TestPodSpecLazyPaths: the fields whose paths are now built only for an
// error still report them where they did.
func TestPodSpecLazyPaths(t *testing.T) {
	s := validSpec()
	s.RestartPolicy, s.DNSPolicy = "", "Sometimes"
	s.ServiceAccountName, s.Hostname = "Bad_Name", "-x"
	c := &s.Containers[0]
	c.Name, c.ImagePullPolicy, c.TerminationMessagePolicy = "Bad_Name", "", "Maybe"
	c.ReadinessProbe.PeriodSeconds, c.ReadinessProbe.FailureThreshold = -1, -2
	want := map[string]field.ErrorType{
		"spec.restartPolicy":                                 field.ErrorTypeRequired,
		"spec.dnsPolicy":                                     field.ErrorTypeNotSupported,
		"spec.serviceAccountName":                            field.ErrorTypeInvalid,
		"spec.hostname":                                      field.ErrorTypeInvalid,
		"spec.containers[0].name":                            field.ErrorTypeInvalid,
		"spec.containers[0].imagePullPolicy":                 field.ErrorTypeRequired,
		"spec.containers[0].terminationMessagePolicy":        field.ErrorTypeNotSupported,
		"spec.containers[0].readinessProbe.periodSeconds":    field.ErrorTypeInvalid,
		"spec.containers[0].readinessProbe.failureThreshold": field.ErrorTypeInvalid,
	}
	got := map[string]field.ErrorType{}
	for _, e := range podSpec(s, field.NewPath("spec"), false) {
		got[e.Field] = e.Type
	}
	for f, typ := range want {
		if got[f] != typ {
			t.Errorf("%s: got %q, want %q (all: %v)", f, got[f], typ, got)
		}
	}
}
