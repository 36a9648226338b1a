package quota

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func rl(kv ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i := 0; i < len(kv); i += 2 {
		out[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return out
}

type podOpt func(*corev1.Pod)

func pod(name string, opts ...podOpt) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}}
	for _, o := range opts {
		o(p)
	}
	return p
}

func requests(kv ...string) podOpt {
	return func(p *corev1.Pod) { p.Spec.Containers[0].Resources.Requests = rl(kv...) }
}
func limits(kv ...string) podOpt {
	return func(p *corev1.Pod) { p.Spec.Containers[0].Resources.Limits = rl(kv...) }
}
func deadline(s int64) podOpt  { return func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = &s } }
func priority(c string) podOpt { return func(p *corev1.Pod) { p.Spec.PriorityClassName = c } }
func phase(ph corev1.PodPhase) podOpt {
	return func(p *corev1.Pod) { p.Status.Phase = ph }
}

func TestComputeByScope(t *testing.T) {
	objs := map[schema.GroupResource][]runtime.Object{
		podsGR: {
			pod("besteffort"),
			pod("burstable", requests("cpu", "100m", "memory", "64Mi"), limits("cpu", "200m")),
			pod("batch", requests("cpu", "1"), deadline(60)),
			pod("gold", requests("cpu", "500m"), priority("gold")),
			pod("done", requests("cpu", "4"), phase(corev1.PodSucceeded)),
		},
		configMapsGR: {&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a"}}, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "b"}}},
	}
	hard := rl("pods", "10", "requests.cpu", "10", "cpu", "10", "limits.cpu", "10", "requests.memory", "1Gi", "count/configmaps", "10",
		"count/deployments.apps", "5")
	tests := []struct {
		name     string
		scopes   []corev1.ResourceQuotaScope
		selector *corev1.ScopeSelector
		want     corev1.ResourceList
	}{
		{name: "unscoped", want: rl("pods", "4", "requests.cpu", "1600m", "cpu", "1600m", "limits.cpu", "200m", "requests.memory", "64Mi",
			"count/configmaps", "2", "count/deployments.apps", "0")},
		{name: "Terminating", scopes: []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeTerminating},
			want: rl("pods", "1", "requests.cpu", "1", "cpu", "1", "limits.cpu", "0", "requests.memory", "0", "count/configmaps", "0", "count/deployments.apps", "0")},
		{name: "NotTerminating", scopes: []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeNotTerminating},
			want: rl("pods", "3", "requests.cpu", "600m", "cpu", "600m", "limits.cpu", "200m", "requests.memory", "64Mi", "count/configmaps", "0", "count/deployments.apps", "0")},
		{name: "BestEffort", scopes: []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeBestEffort},
			want: rl("pods", "1", "requests.cpu", "0", "cpu", "0", "limits.cpu", "0", "requests.memory", "0", "count/configmaps", "0", "count/deployments.apps", "0")},
		{name: "NotBestEffort", scopes: []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeNotBestEffort},
			want: rl("pods", "3", "requests.cpu", "1600m", "cpu", "1600m", "limits.cpu", "200m", "requests.memory", "64Mi", "count/configmaps", "0", "count/deployments.apps", "0")},
		{name: "PriorityClass In gold", selector: &corev1.ScopeSelector{MatchExpressions: []corev1.ScopedResourceSelectorRequirement{
			{ScopeName: corev1.ResourceQuotaScopePriorityClass, Operator: corev1.ScopeSelectorOpIn, Values: []string{"gold"}}}},
			want: rl("pods", "1", "requests.cpu", "500m", "cpu", "500m", "limits.cpu", "0", "requests.memory", "0", "count/configmaps", "0", "count/deployments.apps", "0")},
	}
	list := func(gr schema.GroupResource) ([]runtime.Object, error) {
		if gr.Group == "apps" {
			return nil, apierrors.NewNotFound(gr, "")
		}
		return objs[gr], nil
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &corev1.ResourceQuota{Spec: corev1.ResourceQuotaSpec{Hard: hard, Scopes: tt.scopes, ScopeSelector: tt.selector}}
			got, err := Compute(q, hard, list, apierrors.IsNotFound)
			if err != nil {
				t.Fatalf("Compute() error = %v", err)
			}
			for name, w := range tt.want {
				if g := got[name]; g.Cmp(w) != 0 {
					t.Errorf("Compute()[%s] = %s; want %s", name, g.String(), w.String())
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("Compute() has %d names; want %d", len(got), len(tt.want))
			}
		})
	}
}

func TestGroupOf(t *testing.T) {
	tests := []struct {
		name corev1.ResourceName
		want schema.GroupResource
	}{
		{"pods", podsGR}, {"requests.cpu", podsGR}, {"memory", podsGR}, {"count/deployments.apps", schema.GroupResource{Group: "apps", Resource: "deployments"}},
		{"count/secrets", secretsGR}, {"services.nodeports", servicesGR}, {"requests.storage", claimsGR},
		{"gold.storageclass.storage.k8s.io/requests.storage", claimsGR},
	}
	for _, tt := range tests {
		if got := GroupOf(tt.name); got != tt.want {
			t.Errorf("GroupOf(%s) = %v; want %v", tt.name, got, tt.want)
		}
	}
}
