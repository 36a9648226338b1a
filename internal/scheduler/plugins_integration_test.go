package scheduler_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

func labelled(p *v1.Pod, l map[string]string) *v1.Pod {
	p.Labels = l
	return p
}

func hostTerm(key, value, topo string) v1.PodAffinityTerm {
	return v1.PodAffinityTerm{LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{key: value}}, TopologyKey: topo}
}

func conditionMessage(ctx context.Context, cs kubernetes.Interface, name string) (string, string) {
	p, err := cs.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", err.Error()
	}
	for _, c := range p.Status.Conditions {
		if c.Type == v1.PodScheduled && c.Status == v1.ConditionFalse {
			return c.Message, c.Message
		}
	}
	return "", "on " + p.Spec.NodeName
}

// TestSchedulerHonoursAffinitySpreadAndVolumes runs the default profile's
// InterPodAffinity, PodTopologySpread and VolumeBinding end to end: pods
// with required anti-affinity take one node each, a fifth stays Pending
// with upstream's reason, a pod with affinity joins its partner, zone
// spread stays even, a pod follows its bound local volume, and an unbound
// Immediate claim keeps its pod Pending.
func TestSchedulerHonoursAffinitySpreadAndVolumes(t *testing.T) {
	cs := startServer(t)
	ctx := context.Background()
	for _, z := range []string{"a", "b"} {
		for i := range 2 {
			name := fmt.Sprintf("z%s-%d", z, i)
			createNode(t, cs, node(name, "16", map[string]string{v1.LabelHostname: name, v1.LabelTopologyZone: z}))
		}
	}
	poll(t, "default service account", func() (bool, string) {
		_, err := cs.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		return err == nil, fmt.Sprint(err)
	})
	create := func(p *v1.Pod) {
		t.Helper()
		if _, err := cs.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		p := labelled(pod(fmt.Sprintf("solo-%d", i), "100m", nil), map[string]string{"app": "solo", "name": fmt.Sprintf("solo-%d", i)})
		p.Spec.Affinity = &v1.Affinity{PodAntiAffinity: &v1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []v1.PodAffinityTerm{
			hostTerm("app", "solo", v1.LabelHostname)}}}
		create(p)
	}
	friend := pod("friend", "100m", nil)
	friend.Spec.Affinity = &v1.Affinity{PodAffinity: &v1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []v1.PodAffinityTerm{
		hostTerm("name", "solo-0", v1.LabelHostname)}}}
	create(friend)
	for i := range 6 {
		p := labelled(pod(fmt.Sprintf("spread-%d", i), "100m", nil), map[string]string{"app": "spread"})
		p.Spec.TopologySpreadConstraints = []v1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: v1.LabelTopologyZone,
			WhenUnsatisfiable: v1.DoNotSchedule, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "spread"}}}}
		create(p)
	}
	createVolumes(t, cs)
	withClaim := func(name, claim string) *v1.Pod {
		p := pod(name, "100m", nil)
		p.Spec.Volumes = []v1.Volume{{Name: "data", VolumeSource: v1.VolumeSource{PersistentVolumeClaim: &v1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}}}
		return p
	}
	create(withClaim("local", "bound"))
	create(withClaim("waiting", "immediate"))

	// 4 solo, friend, 6 spread, local: 12 bound; solo-4 and waiting pending.
	poll(t, "12 pods bound", func() (bool, string) {
		pods, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err.Error()
		}
		bound := 0
		for _, p := range pods.Items {
			if p.Spec.NodeName != "" {
				bound++
			}
		}
		return bound == 12, fmt.Sprintf("%d bound", bound)
	})
	checkPluginPlacements(t, ctx, cs)
	poll(t, "solo pod rejected by anti-affinity", func() (bool, string) {
		msg, last := conditionMessage(ctx, cs, "solo-4")
		return strings.HasPrefix(msg, "0/4 nodes are available: 4 node(s) didn't match pod anti-affinity rules."), last
	})
	poll(t, "pod with an unbound immediate claim pending", func() (bool, string) {
		msg, last := conditionMessage(ctx, cs, "waiting")
		return strings.Contains(msg, "pod has unbound immediate PersistentVolumeClaims"), last
	})
}

func createVolumes(t *testing.T, cs kubernetes.Interface) {
	t.Helper()
	ctx := context.Background()
	pv := &v1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "local-pv"}, Spec: v1.PersistentVolumeSpec{
		Capacity:               v1.ResourceList{v1.ResourceStorage: resource.MustParse("1Gi")},
		AccessModes:            []v1.PersistentVolumeAccessMode{v1.ReadWriteOnce},
		PersistentVolumeSource: v1.PersistentVolumeSource{Local: &v1.LocalVolumeSource{Path: "/mnt/disk"}},
		NodeAffinity: &v1.VolumeNodeAffinity{Required: &v1.NodeSelector{NodeSelectorTerms: []v1.NodeSelectorTerm{{
			MatchExpressions: []v1.NodeSelectorRequirement{{Key: v1.LabelHostname, Operator: v1.NodeSelectorOpIn, Values: []string{"zb-1"}}}}}}},
		// Reserved for "bound" from the volume's side too: otherwise the
		// volume controller may give it to "immediate", which matches it
		// as well, when that claim happens to come first.
		ClaimRef: &v1.ObjectReference{Kind: "PersistentVolumeClaim", Namespace: "default", Name: "bound"},
	}}
	if _, err := cs.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, volume string }{{"bound", "local-pv"}, {"immediate", ""}} {
		empty := ""
		pvc := &v1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: c.name}, Spec: v1.PersistentVolumeClaimSpec{
			AccessModes: []v1.PersistentVolumeAccessMode{v1.ReadWriteOnce}, VolumeName: c.volume, StorageClassName: &empty,
			Resources: v1.VolumeResourceRequirements{Requests: v1.ResourceList{v1.ResourceStorage: resource.MustParse("1Gi")}}}}
		if _, err := cs.CoreV1().PersistentVolumeClaims("default").Create(ctx, pvc, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

func checkPluginPlacements(t *testing.T, ctx context.Context, cs kubernetes.Interface) {
	t.Helper()
	pods, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	soloNodes, zones := map[string]string{}, map[string]int{}
	on := map[string]string{}
	for _, p := range pods.Items {
		on[p.Name] = p.Spec.NodeName
		switch {
		case p.Labels["app"] == "solo" && p.Spec.NodeName != "":
			if other, dup := soloNodes[p.Spec.NodeName]; dup {
				t.Errorf("%s and %s both on %s despite anti-affinity", p.Name, other, p.Spec.NodeName)
			}
			soloNodes[p.Spec.NodeName] = p.Name
		case p.Labels["app"] == "spread":
			zones[p.Spec.NodeName[1:2]]++
		}
	}
	if on["friend"] != on["solo-0"] {
		t.Errorf("friend on %s; want with solo-0 on %s", on["friend"], on["solo-0"])
	}
	if zones["a"] != 3 || zones["b"] != 3 {
		t.Errorf("spread pods per zone = %v; want 3 and 3", zones)
	}
	if on["local"] != "zb-1" {
		t.Errorf("pod with the local volume on %q; want zb-1", on["local"])
	}
}
