package integration

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// waitUsed waits until the quota's status.used shows want for every name
// and status.hard mirrors spec.hard.
func waitUsed(t *testing.T, ns, name string, want map[corev1.ResourceName]string) {
	t.Helper()
	eventually(t, fmt.Sprintf("quota %s used %v", name, want), func(ctx context.Context) (bool, string, error) {
		q, err := cs.CoreV1().ResourceQuotas(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		ok := len(q.Status.Hard) == len(q.Spec.Hard)
		for n, w := range want {
			got := q.Status.Used[n]
			ok = ok && got.Cmp(resource.MustParse(w)) == 0
		}
		return ok, fmt.Sprintf("hard %v used %v", q.Status.Hard, q.Status.Used), nil
	})
}

func quotaPod(name string, cpu string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "whoami"}}}}
	if cpu != "" {
		p.Spec.Containers[0].Resources = corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)},
			Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}}
	}
	return p
}

func TestResourceQuotaUsage(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t, "quota")
	hard := corev1.ResourceList{"pods": resource.MustParse("10"), "count/configmaps": resource.MustParse("10"),
		"count/deployments.apps": resource.MustParse("5")}
	quotas := []*corev1.ResourceQuota{
		{ObjectMeta: metav1.ObjectMeta{Name: "all"}, Spec: corev1.ResourceQuotaSpec{Hard: hard}},
		{ObjectMeta: metav1.ObjectMeta{Name: "besteffort"}, Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"pods": resource.MustParse("5")},
			Scopes: []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeBestEffort}}},
		// Scoped so that a pod without requests is not refused for
		// omitting requests.cpu.
		{ObjectMeta: metav1.ObjectMeta{Name: "compute"}, Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"requests.cpu": resource.MustParse("4")},
			Scopes: []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeNotBestEffort}}},
	}
	for _, q := range quotas {
		if _, err := cs.CoreV1().ResourceQuotas(ns).Create(ctx, q, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []*corev1.Pod{quotaPod("a", "500m"), quotaPod("b", "1"), quotaPod("idle", "")} {
		if _, err := cs.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, newDeployment("d", 0, "whoami"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The namespace's kube-root-ca.crt ConfigMap counts too.
	waitUsed(t, ns, "all", map[corev1.ResourceName]string{"pods": "3", "count/configmaps": "1", "count/deployments.apps": "1"})
	waitUsed(t, ns, "compute", map[corev1.ResourceName]string{"requests.cpu": "1500m"})
	waitUsed(t, ns, "besteffort", map[corev1.ResourceName]string{"pods": "1"})

	// Drift: a wrong status.used is recomputed.
	q, err := cs.CoreV1().ResourceQuotas(ns).Get(ctx, "all", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	q.Status.Used["pods"] = resource.MustParse("9")
	if _, err := cs.CoreV1().ResourceQuotas(ns).UpdateStatus(ctx, q, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitUsed(t, ns, "all", map[corev1.ResourceName]string{"pods": "3"})

	// Deletes give usage back.
	zero := int64(0)
	for _, name := range []string{"b", "idle"} {
		if err := cs.CoreV1().Pods(ns).Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
			t.Fatal(err)
		}
	}
	if err := cs.AppsV1().Deployments(ns).Delete(ctx, "d", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitUsed(t, ns, "all", map[corev1.ResourceName]string{"pods": "1", "count/deployments.apps": "0"})
	waitUsed(t, ns, "compute", map[corev1.ResourceName]string{"requests.cpu": "500m"})
	waitUsed(t, ns, "besteffort", map[corev1.ResourceName]string{"pods": "0"})

	// ConfigMaps are watched through a metadata-only informer: their
	// creation and deletion still trigger a recount at once (the resync
	// is 5 minutes away).
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings"}, Data: map[string]string{"k": "v"}}
	if _, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitUsed(t, ns, "all", map[corev1.ResourceName]string{"count/configmaps": "2"})
	if err := cs.CoreV1().ConfigMaps(ns).Delete(ctx, "settings", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitUsed(t, ns, "all", map[corev1.ResourceName]string{"count/configmaps": "1"})
}
