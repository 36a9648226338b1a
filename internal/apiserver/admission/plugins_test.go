package admission

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func noSleep(context.Context, time.Duration) {}

func TestServiceAccount(t *testing.T) {
	off := false
	noMount := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "quiet", Namespace: "ns"}, AutomountServiceAccountToken: &off}
	store := newMemStore(&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "ns"}}, noMount)
	p := &ServiceAccount{store: store, sleep: noSleep, suffix: func() string { return "abcde" }}
	tests := []struct {
		name       string
		pod        *corev1.Pod
		wantSA     string
		wantVolume bool
		wantErr    string
	}{
		{name: "defaults to default and mounts", pod: pod("p"), wantSA: "default", wantVolume: true},
		{name: "pod opts out", pod: pod("p", func(p *corev1.Pod) { p.Spec.AutomountServiceAccountToken = &off }), wantSA: "default"},
		{name: "account opts out", pod: pod("p", func(p *corev1.Pod) { p.Spec.ServiceAccountName = "quiet" }), wantSA: "quiet"},
		{name: "missing account", pod: pod("p", func(p *corev1.Pod) { p.Spec.ServiceAccountName = "ghost" }),
			wantErr: `pods "p" is forbidden: error looking up service account ns/ghost: serviceaccount "ghost" not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.Mutate(context.Background(), createAttrs(tt.pod))
			if errString(err) != tt.wantErr {
				t.Fatalf("Mutate = %v; want %q", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if got := tt.pod.Spec.ServiceAccountName; got != tt.wantSA {
				t.Errorf("serviceAccountName = %q; want %q", got, tt.wantSA)
			}
			gotVolume := len(tt.pod.Spec.Volumes) == 1 && tt.pod.Spec.Volumes[0].Name == "kube-api-access-abcde" &&
				len(tt.pod.Spec.Containers[0].VolumeMounts) == 1 && tt.pod.Spec.Containers[0].VolumeMounts[0].MountPath == TokenMountPath
			if gotVolume != tt.wantVolume {
				t.Errorf("token volume mounted = %v (volumes %+v); want %v", gotVolume, tt.pod.Spec.Volumes, tt.wantVolume)
			}
			if gotVolume {
				src := tt.pod.Spec.Volumes[0].Projected.Sources
				if len(src) != 3 || *src[0].ServiceAccountToken.ExpirationSeconds != 3607 || src[1].ConfigMap.Name != "kube-root-ca.crt" || src[2].DownwardAPI == nil {
					t.Errorf("projected sources = %+v; want token 3607 s, kube-root-ca.crt, namespace", src)
				}
			}
		})
	}
}

func resources(req, lim string) corev1.ResourceRequirements {
	r := corev1.ResourceRequirements{}
	if req != "" {
		r.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(req)}
	}
	if lim != "" {
		r.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(lim)}
	}
	return r
}

func TestLimitRanger(t *testing.T) {
	cpu := func(s string) corev1.ResourceList {
		return corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(s)}
	}
	lr := &corev1.LimitRange{ObjectMeta: metav1.ObjectMeta{Name: "lr", Namespace: "ns"}, Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{
		{Type: corev1.LimitTypeContainer, Default: cpu("500m"), DefaultRequest: cpu("200m"), Min: cpu("100m"), Max: cpu("1"), MaxLimitRequestRatio: cpu("4")},
	}}}
	p := &LimitRanger{store: newMemStore(lr)}
	tests := []struct {
		name             string
		res              corev1.ResourceRequirements
		wantReq, wantLim string
		wantErr          string
	}{
		{name: "defaults both", wantReq: "200m", wantLim: "500m"},
		{name: "keeps own values", res: resources("300m", "600m"), wantReq: "300m", wantLim: "600m"},
		{name: "over max", res: resources("600m", "2"),
			wantErr: `pods "p" is forbidden: maximum cpu usage per Container is 1, but limit is 2`},
		{name: "under min", res: resources("50m", "100m"),
			wantErr: `pods "p" is forbidden: minimum cpu usage per Container is 100m, but request is 50m`},
		{name: "ratio", res: resources("100m", "800m"),
			wantErr: `pods "p" is forbidden: cpu max limit to request ratio per Container is 4, but provided ratio is 8.000000`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			po := pod("p", func(p *corev1.Pod) { p.Spec.Containers[0].Resources = tt.res })
			a := createAttrs(po)
			if err := p.Mutate(context.Background(), a); err != nil {
				t.Fatalf("Mutate = %v", err)
			}
			_, err := p.Validate(context.Background(), a)
			if errString(err) != tt.wantErr {
				t.Fatalf("Validate = %v; want %q", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			c := po.Spec.Containers[0].Resources
			if c.Requests.Cpu().String() != tt.wantReq || c.Limits.Cpu().String() != tt.wantLim {
				t.Errorf("cpu request/limit = %s/%s; want %s/%s", c.Requests.Cpu(), c.Limits.Cpu(), tt.wantReq, tt.wantLim)
			}
		})
	}
}

func TestDefaultTolerationSeconds(t *testing.T) {
	tests := []struct {
		name string
		have []corev1.Toleration
		want int
	}{
		{name: "adds both", want: 2},
		{name: "tolerates everything already", have: []corev1.Toleration{{Operator: corev1.TolerationOpExists}}, want: 1},
		{name: "own not-ready kept", have: []corev1.Toleration{{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}}, want: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			po := pod("p", func(p *corev1.Pod) { p.Spec.Tolerations = tt.have })
			if err := (&DefaultTolerationSeconds{}).Mutate(context.Background(), createAttrs(po)); err != nil {
				t.Fatal(err)
			}
			if len(po.Spec.Tolerations) != tt.want {
				t.Errorf("tolerations = %+v; want %d", po.Spec.Tolerations, tt.want)
			}
			last := po.Spec.Tolerations[len(po.Spec.Tolerations)-1]
			if last.TolerationSeconds != nil && *last.TolerationSeconds != 300 {
				t.Errorf("tolerationSeconds = %d; want 300", *last.TolerationSeconds)
			}
		})
	}
}

func TestPriority(t *testing.T) {
	never := corev1.PreemptNever
	low := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "low"}, Value: 10, GlobalDefault: true, PreemptionPolicy: &never}
	store := newMemStore(low)
	for _, pc := range SystemPriorityClasses() {
		store.put(pc)
	}
	p := &Priority{store: store}
	ten := int32(10)
	tests := []struct {
		name      string
		class     string
		priority  *int32
		wantValue int32
		wantClass string
		wantErr   string
	}{
		{name: "global default", wantValue: 10, wantClass: "low"},
		{name: "named class", class: SystemNodeCritical, wantValue: 2000001000, wantClass: SystemNodeCritical},
		{name: "unknown class", class: "x", wantErr: `pods "p" is forbidden: no PriorityClass with name x was found`},
		{name: "matching explicit value", class: "low", priority: &ten, wantValue: 10, wantClass: "low"},
		{name: "conflicting value", class: SystemNodeCritical, priority: &ten,
			wantErr: `pods "p" is forbidden: the integer value of priority (10) must not be provided in pod spec; priority admission controller computed 2000001000 from the given PriorityClass name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			po := pod("p", func(p *corev1.Pod) { p.Spec.PriorityClassName, p.Spec.Priority = tt.class, tt.priority })
			err := p.Mutate(context.Background(), createAttrs(po))
			if errString(err) != tt.wantErr {
				t.Fatalf("Mutate = %v; want %q", err, tt.wantErr)
			}
			if err == nil && (*po.Spec.Priority != tt.wantValue || po.Spec.PriorityClassName != tt.wantClass) {
				t.Errorf("priority %d class %q; want %d %q", *po.Spec.Priority, po.Spec.PriorityClassName, tt.wantValue, tt.wantClass)
			}
		})
	}
	second := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "other"}, Value: 5, GlobalDefault: true}
	_, err := p.Validate(context.Background(), createAttrs(second))
	if want := `priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass low is already marked as default. Only one default can exist`; errString(err) != want {
		t.Errorf("second global default = %v; want %q", err, want)
	}
}

func TestRuntimeClass(t *testing.T) {
	gvisor := "gvisor"
	empty := ""
	tests := []struct {
		name    string
		class   *string
		wantErr string
	}{
		{name: "none"},
		{name: "empty", class: &empty},
		{name: "named", class: &gvisor, wantErr: `pods "p" is forbidden: pod rejected: RuntimeClass "gvisor" not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pod("p", func(p *corev1.Pod) { p.Spec.RuntimeClassName = tt.class })
			if err := (RuntimeClass{}).Mutate(context.Background(), createAttrs(p)); errString(err) != tt.wantErr {
				t.Errorf("Mutate = %v; want %q", err, tt.wantErr)
			}
		})
	}
}
