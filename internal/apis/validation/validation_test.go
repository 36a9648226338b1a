package validation

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/skiff-dev/skiff/internal/apis/defaults"
)

var webLabels = map[string]string{"app": "web"}

func objMeta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "default"}
}

func template() corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: webLabels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.25"}}},
	}
}

func pod() *corev1.Pod {
	t := template()
	return &corev1.Pod{ObjectMeta: objMeta("web"), Spec: t.Spec}
}

func deployment() *appsv1.Deployment {
	return &appsv1.Deployment{ObjectMeta: objMeta("web"), Spec: appsv1.DeploymentSpec{
		Selector: &metav1.LabelSelector{MatchLabels: webLabels}, Template: template(),
	}}
}

func service() *corev1.Service {
	return &corev1.Service{ObjectMeta: objMeta("web"), Spec: corev1.ServiceSpec{
		Selector: webLabels, Ports: []corev1.ServicePort{{Port: 80}},
	}}
}

// wantErr is the expected first-matching error of a case.
type wantErr struct {
	typ   field.ErrorType
	field string
}

// check asserts errs is empty when want is nil, else that it holds want.
func check(t *testing.T, errs field.ErrorList, want *wantErr) {
	t.Helper()
	if want == nil {
		if len(errs) > 0 {
			t.Errorf("errors = %v; want none", errs)
		}
		return
	}
	for _, e := range errs {
		if e.Type == want.typ && e.Field == want.field {
			return
		}
	}
	t.Errorf("errors = %v; want %s at %s", errs, want.typ, want.field)
}

func TestValidateCreate(t *testing.T) {
	tests := []struct {
		name string
		obj  func() runtime.Object
		want *wantErr
	}{
		{"valid pod", func() runtime.Object { return pod() }, nil},
		{"pod gated", func() runtime.Object { return gated(pod(), "example.com/quota", "wait") }, nil},
		{"pod gate bad name", func() runtime.Object { return gated(pod(), "a b") },
			&wantErr{field.ErrorTypeInvalid, "spec.schedulingGates[0]"}},
		{"pod gate twice", func() runtime.Object { return gated(pod(), "wait", "wait") },
			&wantErr{field.ErrorTypeDuplicate, "spec.schedulingGates[1]"}},
		{"pod gated and assigned", func() runtime.Object { p := gated(pod(), "wait"); p.Spec.NodeName = "n1"; return p },
			&wantErr{field.ErrorTypeForbidden, "spec.nodeName"}},
		{"deployment template gate twice", func() runtime.Object {
			d := deployment()
			d.Spec.Template.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "w"}, {Name: "w"}}
			return d
		}, &wantErr{field.ErrorTypeDuplicate, "spec.template.spec.schedulingGates[1]"}},
		{"pod bad name", func() runtime.Object { p := pod(); p.Name = "Web_1"; return p },
			&wantErr{field.ErrorTypeInvalid, "metadata.name"}},
		{"pod no name", func() runtime.Object { p := pod(); p.Name = ""; return p },
			&wantErr{field.ErrorTypeRequired, "metadata.name"}},
		{"pod bad label", func() runtime.Object { p := pod(); p.Labels = map[string]string{"a b": "c"}; return p },
			&wantErr{field.ErrorTypeInvalid, "metadata.labels"}},
		{"pod no containers", func() runtime.Object { p := pod(); p.Spec.Containers = nil; return p },
			&wantErr{field.ErrorTypeRequired, "spec.containers"}},
		{"pod no image", func() runtime.Object { p := pod(); p.Spec.Containers[0].Image = ""; return p },
			&wantErr{field.ErrorTypeRequired, "spec.containers[0].image"}},
		{"pod image whitespace", func() runtime.Object { p := pod(); p.Spec.Containers[0].Image = " nginx"; return p },
			&wantErr{field.ErrorTypeInvalid, "spec.containers[0].image"}},
		{"pod duplicate container", func() runtime.Object {
			p := pod()
			p.Spec.Containers = append(p.Spec.Containers, p.Spec.Containers[0])
			return p
		}, &wantErr{field.ErrorTypeDuplicate, "spec.containers[1].name"}},
		{"pod bad container name", func() runtime.Object { p := pod(); p.Spec.Containers[0].Name = "Web"; return p },
			&wantErr{field.ErrorTypeInvalid, "spec.containers[0].name"}},
		{"pod port out of range", func() runtime.Object {
			p := pod()
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 70000}}
			return p
		}, &wantErr{field.ErrorTypeInvalid, "spec.containers[0].ports[0].containerPort"}},
		{"pod duplicate port name", func() runtime.Object {
			p := pod()
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 80}, {Name: "http", ContainerPort: 81}}
			return p
		}, &wantErr{field.ErrorTypeDuplicate, "spec.containers[0].ports[1].name"}},
		{"pod bad protocol", func() runtime.Object {
			p := pod()
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, Protocol: "ICMP"}}
			return p
		}, &wantErr{field.ErrorTypeNotSupported, "spec.containers[0].ports[0].protocol"}},
		{"pod probe without handler", func() runtime.Object {
			p := pod()
			p.Spec.Containers[0].LivenessProbe = &corev1.Probe{}
			return p
		}, &wantErr{field.ErrorTypeRequired, "spec.containers[0].livenessProbe"}},
		{"pod probe two handlers", func() runtime.Object {
			p := pod()
			p.Spec.Containers[0].ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
				Exec:      &corev1.ExecAction{Command: []string{"true"}},
				TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(80)},
			}}
			return p
		}, &wantErr{field.ErrorTypeForbidden, "spec.containers[0].readinessProbe.tcpSocket"}},
		{"pod liveness success threshold", func() runtime.Object {
			p := pod()
			p.Spec.Containers[0].LivenessProbe = &corev1.Probe{SuccessThreshold: 2, ProbeHandler: corev1.ProbeHandler{
				Exec: &corev1.ExecAction{Command: []string{"true"}}}}
			return p
		}, &wantErr{field.ErrorTypeInvalid, "spec.containers[0].livenessProbe.successThreshold"}},
		{"pod requests above limits", func() runtime.Object {
			p := pod()
			p.Spec.Containers[0].Resources = corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")},
				Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")},
			}
			return p
		}, &wantErr{field.ErrorTypeInvalid, "spec.containers[0].resources.requests"}},
		{"pod bad restartPolicy", func() runtime.Object { p := pod(); p.Spec.RestartPolicy = "Sometimes"; return p },
			&wantErr{field.ErrorTypeNotSupported, "spec.restartPolicy"}},
		{"pod mount of unknown volume", func() runtime.Object {
			p := pod()
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}
			return p
		}, &wantErr{field.ErrorTypeNotFound, "spec.containers[0].volumeMounts[0].name"}},
		{"valid deployment", func() runtime.Object { return deployment() }, nil},
		{"deployment selector mismatch", func() runtime.Object {
			d := deployment()
			d.Spec.Template.Labels = map[string]string{"app": "other"}
			return d
		}, &wantErr{field.ErrorTypeInvalid, "spec.template.metadata.labels"}},
		{"deployment no selector", func() runtime.Object { d := deployment(); d.Spec.Selector = nil; return d },
			&wantErr{field.ErrorTypeRequired, "spec.selector"}},
		{"deployment negative replicas", func() runtime.Object { d := deployment(); d.Spec.Replicas = ptr(int32(-1)); return d },
			&wantErr{field.ErrorTypeInvalid, "spec.replicas"}},
		{"deployment both zero", func() runtime.Object {
			d := deployment()
			zero := intstr.FromInt32(0)
			d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxSurge: &zero, MaxUnavailable: &zero}
			return d
		}, &wantErr{field.ErrorTypeInvalid, "spec.strategy.rollingUpdate.maxUnavailable"}},
		{"deployment bad percent", func() runtime.Object {
			d := deployment()
			bad := intstr.FromString("25")
			d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxSurge: &bad}
			return d
		}, &wantErr{field.ErrorTypeInvalid, "spec.strategy.rollingUpdate.maxSurge"}},
		{"deployment recreate with rollingUpdate", func() runtime.Object {
			d := deployment()
			d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{}}
			return d
		}, &wantErr{field.ErrorTypeForbidden, "spec.strategy.rollingUpdate"}},
		{"deployment restartPolicy Never", func() runtime.Object {
			d := deployment()
			d.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
			return d
		}, &wantErr{field.ErrorTypeNotSupported, "spec.template.spec.restartPolicy"}},
		{"deployment template no image", func() runtime.Object {
			d := deployment()
			d.Spec.Template.Spec.Containers[0].Image = ""
			return d
		}, &wantErr{field.ErrorTypeRequired, "spec.template.spec.containers[0].image"}},
		{"valid statefulset", func() runtime.Object {
			return &appsv1.StatefulSet{ObjectMeta: objMeta("db"), Spec: appsv1.StatefulSetSpec{
				Selector: &metav1.LabelSelector{MatchLabels: webLabels}, Template: template()}}
		}, nil},
		{"statefulset mounting its volume claim template", func() runtime.Object {
			ss := &appsv1.StatefulSet{ObjectMeta: objMeta("db"), Spec: appsv1.StatefulSetSpec{
				Selector: &metav1.LabelSelector{MatchLabels: webLabels}, Template: template(),
				VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"},
					Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
						Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}}}}}}
			ss.Spec.Template.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}
			return ss
		}, nil},
		{"statefulset mounting a volume it does not have", func() runtime.Object {
			ss := &appsv1.StatefulSet{ObjectMeta: objMeta("db"), Spec: appsv1.StatefulSetSpec{
				Selector: &metav1.LabelSelector{MatchLabels: webLabels}, Template: template()}}
			ss.Spec.Template.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}
			return ss
		}, &wantErr{field.ErrorTypeNotFound, "spec.template.spec.containers[0].volumeMounts[0].name"}},
		{"valid daemonset", func() runtime.Object {
			return &appsv1.DaemonSet{ObjectMeta: objMeta("agent"), Spec: appsv1.DaemonSetSpec{
				Selector: &metav1.LabelSelector{MatchLabels: webLabels}, Template: template()}}
		}, nil},
		{"valid service", func() runtime.Object { return service() }, nil},
		{"service name with dot", func() runtime.Object { s := service(); s.Name = "a.b"; return s },
			&wantErr{field.ErrorTypeInvalid, "metadata.name"}},
		{"service no ports", func() runtime.Object { s := service(); s.Spec.Ports = nil; return s },
			&wantErr{field.ErrorTypeRequired, "spec.ports"}},
		{"headless service without ports", func() runtime.Object {
			s := service()
			s.Spec.Ports, s.Spec.ClusterIP, s.Spec.ClusterIPs = nil, corev1.ClusterIPNone, []string{corev1.ClusterIPNone}
			return s
		}, nil},
		{"cluster ip service with external ips and a local traffic policy", func() runtime.Object {
			s := service()
			s.Spec.ExternalIPs, s.Spec.ExternalTrafficPolicy = []string{"192.0.2.1"}, corev1.ServiceExternalTrafficPolicyLocal
			return s
		}, nil},
		{"cluster ip service with a traffic policy", func() runtime.Object {
			s := service()
			s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
			return s
		}, &wantErr{field.ErrorTypeInvalid, "spec.externalTrafficPolicy"}},
		{"service bad type", func() runtime.Object { s := service(); s.Spec.Type = "Magic"; return s },
			&wantErr{field.ErrorTypeNotSupported, "spec.type"}},
		{"service node port outside the default range (the allocator judges the range)", func() runtime.Object {
			s := service()
			s.Spec.Type = corev1.ServiceTypeNodePort
			s.Spec.Ports[0].NodePort = 80
			return s
		}, nil},
		{"service unnamed ports", func() runtime.Object {
			s := service()
			s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Port: 443})
			return s
		}, &wantErr{field.ErrorTypeRequired, "spec.ports[0].name"}},
		{"externalName bad", func() runtime.Object {
			s := service()
			s.Spec = corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "not a host"}
			return s
		}, &wantErr{field.ErrorTypeInvalid, "spec.externalName"}},
		{"namespace with dot", func() runtime.Object {
			return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a.b"}}
		}, &wantErr{field.ErrorTypeInvalid, "metadata.name"}},
		{"tls secret without key", func() runtime.Object {
			return &corev1.Secret{ObjectMeta: objMeta("tls"), Type: corev1.SecretTypeTLS,
				Data: map[string][]byte{"tls.crt": []byte("x")}}
		}, &wantErr{field.ErrorTypeRequired, "data[tls.key]"}},
		{"secret bad key", func() runtime.Object {
			return &corev1.Secret{ObjectMeta: objMeta("s"), Data: map[string][]byte{"a/b": nil}}
		}, &wantErr{field.ErrorTypeInvalid, "data[a/b]"}},
		{"secret too large", func() runtime.Object {
			return &corev1.Secret{ObjectMeta: objMeta("s"), Data: map[string][]byte{"k": make([]byte, maxDataSize+1)}}
		}, &wantErr{field.ErrorTypeTooLong, "data"}},
		{"configmap bad key", func() runtime.Object {
			return &corev1.ConfigMap{ObjectMeta: objMeta("c"), Data: map[string]string{"a b": ""}}
		}, &wantErr{field.ErrorTypeInvalid, "data[a b]"}},
		{"valid job", func() runtime.Object { return job() }, nil},
		{"job restartPolicy Always", func() runtime.Object {
			j := job()
			j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
			return j
		}, &wantErr{field.ErrorTypeNotSupported, "spec.template.spec.restartPolicy"}},
		{"job negative backoff", func() runtime.Object { j := job(); j.Spec.BackoffLimit = ptr(int32(-1)); return j },
			&wantErr{field.ErrorTypeInvalid, "spec.backoffLimit"}},
		{"valid cronjob", func() runtime.Object { return cronJob("*/5 * * * *") }, nil},
		{"cronjob bad schedule", func() runtime.Object { return cronJob("every minute") },
			&wantErr{field.ErrorTypeInvalid, "spec.schedule"}},
		{"cronjob bad time zone", func() runtime.Object {
			c := cronJob("0 * * * *")
			c.Spec.TimeZone = ptr("Mars/Olympus")
			return c
		}, &wantErr{field.ErrorTypeInvalid, "spec.timeZone"}},
		{"role without verbs", func() runtime.Object {
			return &rbacv1.Role{ObjectMeta: objMeta("r"), Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}}}}
		}, &wantErr{field.ErrorTypeRequired, "rules[0].verbs"}},
		{"pdb both set", func() runtime.Object {
			one := intstr.FromInt32(1)
			return &policyv1.PodDisruptionBudget{ObjectMeta: objMeta("p"), Spec: policyv1.PodDisruptionBudgetSpec{
				MinAvailable: &one, MaxUnavailable: &one}}
		}, &wantErr{field.ErrorTypeInvalid, "spec"}},
		{"event namespace mismatch", func() runtime.Object {
			return &corev1.Event{ObjectMeta: objMeta("e"), InvolvedObject: corev1.ObjectReference{Namespace: "other"}}
		}, &wantErr{field.ErrorTypeInvalid, "involvedObject.namespace"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := tt.obj()
			defaults.Apply(obj)
			check(t, ValidateCreate(obj), tt.want)
		})
	}
}

func job() *batchv1.Job {
	t := template()
	t.Spec.RestartPolicy = corev1.RestartPolicyNever
	return &batchv1.Job{ObjectMeta: objMeta("j"), Spec: batchv1.JobSpec{Template: t}}
}

func cronJob(schedule string) *batchv1.CronJob {
	return &batchv1.CronJob{ObjectMeta: objMeta("c"), Spec: batchv1.CronJobSpec{
		Schedule: schedule, JobTemplate: batchv1.JobTemplateSpec{Spec: job().Spec}}}
}

func ptr[T any](v T) *T { return &v }

// gated adds scheduling gates named names to p.
func gated(p *corev1.Pod, names ...string) *corev1.Pod {
	for _, n := range names {
		p.Spec.SchedulingGates = append(p.Spec.SchedulingGates, corev1.PodSchedulingGate{Name: n})
	}
	return p
}
