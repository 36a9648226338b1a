package admission

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func restrictedPod(p *corev1.Pod) {
	no, yes := false, true
	p.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsNonRoot: &yes,
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}}
	p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{AllowPrivilegeEscalation: &no,
		Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}
}

func TestEvaluate(t *testing.T) {
	yes := true
	root := int64(0)
	tests := []struct {
		name  string
		level string
		pod   *corev1.Pod
		want  string
	}{
		{name: "plain pod is baseline", level: LevelBaseline, pod: pod("p")},
		{name: "plain pod is not restricted", level: LevelRestricted, pod: pod("p"),
			want: `allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`},
		{name: "restricted pod", level: LevelRestricted, pod: pod("p", restrictedPod)},
		{name: "host namespaces, ports, privileged", level: LevelBaseline, pod: pod("p", func(p *corev1.Pod) {
			p.Spec.HostNetwork, p.Spec.HostPID = true, true
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: 80}}
			p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: &yes}
		}), want: `host namespaces (hostNetwork=true, hostPID=true), hostPort (container "c" uses hostPort 80), privileged (container "c" must not set securityContext.privileged=true)`},
		{name: "capabilities and hostPath", level: LevelBaseline, pod: pod("p", func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "d", Image: "x"})
			for i := range p.Spec.Containers {
				p.Spec.Containers[i].SecurityContext = &corev1.SecurityContext{Capabilities: &corev1.Capabilities{Add: []corev1.Capability{"SYS_ADMIN", "NET_ADMIN"}}}
			}
			p.Spec.Volumes = []corev1.Volume{{Name: "h", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}}}
		}), want: `non-default capabilities (containers "c", "d" must not include "NET_ADMIN", "SYS_ADMIN" in securityContext.capabilities.add), hostPath volumes (volume "h")`},
		{name: "restricted volumes and root user", level: LevelRestricted, pod: pod("p", func(p *corev1.Pod) {
			restrictedPod(p)
			p.Spec.SecurityContext.RunAsUser = &root
			p.Spec.Volumes = []corev1.Volume{{Name: "h", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}}}
		}), want: `restricted volume types (volume "h" uses restricted volume type "hostPath"), runAsUser=0 (pod must not set runAsUser=0)`},
		{name: "sysctls and seccomp unconfined", level: LevelBaseline, pod: pod("p", func(p *corev1.Pod) {
			p.Spec.SecurityContext = &corev1.PodSecurityContext{Sysctls: []corev1.Sysctl{{Name: "kernel.msgmax", Value: "1"}},
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}}
		}), want: `seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined"), forbidden sysctls (kernel.msgmax)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Evaluate(tt.level, tt.pod.Annotations, &tt.pod.Spec).String(); got != tt.want {
				t.Errorf("Evaluate(%s) =\n%s\nwant\n%s", tt.level, got, tt.want)
			}
		})
	}
}

func TestPodSecurityModes(t *testing.T) {
	store := newMemStore(namespace("ns", map[string]string{
		"pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted",
		"pod-security.kubernetes.io/warn-version": "v1.33",
	}))
	p := &PodSecurity{store: store}
	tests := []struct {
		name      string
		obj       *Attributes
		wantErr   string
		wantWarns int
	}{
		{name: "baseline pod warned", obj: createAttrs(pod("p")), wantWarns: 1},
		{name: "restricted pod silent", obj: createAttrs(pod("p", restrictedPod))},
		{name: "privileged pod refused", obj: createAttrs(pod("p", func(p *corev1.Pod) { p.Spec.HostIPC = true })),
			wantErr: `pods "p" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostIPC=true)`},
		{name: "workload only warned", obj: &Attributes{Operation: Create, Resource: schemaDeployments, Namespace: "ns", Name: "d",
			Object: &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "ns"},
				Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{HostIPC: true, Containers: []corev1.Container{{Name: "c"}}}}}}},
			wantWarns: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var warns []string
			ctx := WithWarnings(context.Background(), func(m string) { warns = append(warns, m) })
			_, err := p.Validate(ctx, tt.obj)
			if errString(err) != tt.wantErr || len(warns) != tt.wantWarns {
				t.Errorf("Validate = %v, warnings %q; want %q and %d warnings", err, warns, tt.wantErr, tt.wantWarns)
			}
		})
	}
}
