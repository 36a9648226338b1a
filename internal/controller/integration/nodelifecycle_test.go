package integration

import (
	"context"
	"fmt"
	"net"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
)

// nodeTaints returns "key:effect" for each taint of a node.
func nodeTaints(n *corev1.Node) map[string]bool {
	out := map[string]bool{}
	for _, t := range n.Spec.Taints {
		out[t.Key+":"+string(t.Effect)] = true
	}
	return out
}

func readyCondition(n *corev1.Node) corev1.NodeCondition {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c
		}
	}
	return corev1.NodeCondition{}
}

func podsOn(ctx context.Context, ns, node string) ([]corev1.Pod, error) {
	l, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("spec.nodeName", node).String()})
	if err != nil {
		return nil, err
	}
	return l.Items, nil
}

// TestNodeIPAMGivesDistinctPodCIDRs checks that hollow nodes get distinct
// spec.podCIDRs inside the cluster CIDR and that their pods' IPs come from
// them.
func TestNodeIPAMGivesDistinctPodCIDRs(t *testing.T) {
	startHollowNodes(t, "ipam-", 3)
	ctx := context.Background()
	_, cluster, _ := net.ParseCIDR("10.42.0.0/16")
	cidrs := map[string]*net.IPNet{}
	eventually(t, "3 nodes with a podCIDR", func(ctx context.Context) (bool, string, error) {
		for i := range 3 {
			n, err := cs.CoreV1().Nodes().Get(ctx, fmt.Sprintf("ipam-%d", i), metav1.GetOptions{})
			if err != nil {
				return false, "", err
			}
			if n.Spec.PodCIDR == "" {
				return false, n.Name + " has none", nil
			}
			_, c, err := net.ParseCIDR(n.Spec.PodCIDR)
			if err != nil {
				return false, "", err
			}
			if len(n.Spec.PodCIDRs) != 1 || n.Spec.PodCIDRs[0] != n.Spec.PodCIDR {
				return false, fmt.Sprintf("%s podCIDRs %v", n.Name, n.Spec.PodCIDRs), nil
			}
			cidrs[n.Name] = c
		}
		return true, "", nil
	})
	seen := map[string]string{}
	for node, c := range cidrs {
		if ones, _ := c.Mask.Size(); ones != 24 || !cluster.Contains(c.IP) {
			t.Errorf("node %s podCIDR %s; want a /24 inside %s", node, c, cluster)
		}
		if other, dup := seen[c.String()]; dup {
			t.Errorf("nodes %s and %s both have podCIDR %s", node, other, c)
		}
		seen[c.String()] = node
	}
	ns := newNamespace(t, "ipam")
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, newDeployment("web", 6, "whoami"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "6 pods with IPs from their node's podCIDR", func(ctx context.Context) (bool, string, error) {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "", err
		}
		ok := 0
		for _, p := range pods.Items {
			c := cidrs[p.Spec.NodeName]
			if ip := net.ParseIP(p.Status.PodIP); ip != nil && c != nil && c.Contains(ip) {
				ok++
			} else if ip != nil {
				return false, fmt.Sprintf("pod %s on %s has IP %s outside %v", p.Name, p.Spec.NodeName, ip, c), nil
			}
		}
		return ok == 6, fmt.Sprintf("%d of %d pods", ok, len(pods.Items)), nil
	})
}

// TestSilentNodeTurnsUnknownAndItsPodsMove stops the agent of a node that
// runs a Deployment's pods: the node turns Unknown with the unreachable
// taints, its pods are marked not ready and evicted after their
// tolerationSeconds, the Deployment's pods come back on the other node,
// and a pod tolerating the taint forever stays. When the node comes back
// its taints go.
func TestSilentNodeTurnsUnknownAndItsPodsMove(t *testing.T) {
	ctx := context.Background()
	silent := startHollowNodes(t, "nl-x-", 1)
	ns := newNamespace(t, "nodelife")
	d := newDeployment("web", 3, "whoami")
	three := int64(3)
	d.Spec.Template.Spec.Tolerations = []corev1.Toleration{{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists,
		Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &three}}
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	stay := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "stay"}, Spec: corev1.PodSpec{
		NodeName:   "nl-x-0",
		Containers: []corev1.Container{{Name: "c", Image: "whoami"}},
		Tolerations: []corev1.Toleration{{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists,
			Effect: corev1.TaintEffectNoExecute}},
	}}
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, stay, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "4 running pods on nl-x-0", func(ctx context.Context) (bool, string, error) {
		pods, err := podsOn(ctx, ns, "nl-x-0")
		if err != nil {
			return false, "", err
		}
		running := 0
		for _, p := range pods {
			if p.Status.Phase == corev1.PodRunning {
				running++
			}
		}
		return running == 4, fmt.Sprintf("%d running", running), nil
	})
	startHollowNodes(t, "nl-y-", 1)
	silent.Stop()

	eventually(t, "nl-x-0 Unknown and tainted unreachable", func(ctx context.Context) (bool, string, error) {
		n, err := cs.CoreV1().Nodes().Get(ctx, "nl-x-0", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		c, taints := readyCondition(n), nodeTaints(n)
		done := c.Status == corev1.ConditionUnknown && c.Reason == "NodeStatusUnknown" && c.Message == "Kubelet stopped posting node status." &&
			taints["node.kubernetes.io/unreachable:NoExecute"] && taints["node.kubernetes.io/unreachable:NoSchedule"]
		return done, fmt.Sprintf("ready %s/%s, taints %v", c.Status, c.Reason, taints), nil
	})
	eventually(t, "the tolerating pod marked not ready", func(ctx context.Context) (bool, string, error) {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, "stay", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady {
				return c.Status == corev1.ConditionFalse, "ready " + string(c.Status), nil
			}
		}
		return false, "no Ready condition", nil
	})
	eventually(t, "3 running Deployment pods on nl-y-0", func(ctx context.Context) (bool, string, error) {
		pods, err := podsOn(ctx, ns, "nl-y-0")
		if err != nil {
			return false, "", err
		}
		running := 0
		for _, p := range pods {
			if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
				running++
			}
		}
		return running == 3, fmt.Sprintf("%d running", running), nil
	})
	evicted, err := podsOn(ctx, ns, "nl-x-0")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range evicted {
		if p.Name == "stay" {
			if p.DeletionTimestamp != nil {
				t.Errorf("pod stay tolerates the taint forever but is being deleted")
			}
			continue
		}
		if p.DeletionTimestamp == nil {
			t.Errorf("pod %s on the silent node not deleted", p.Name)
		}
		if !hasCondition(p, corev1.DisruptionTarget, "DeletionByTaintManager") {
			t.Errorf("pod %s conditions %v; want DisruptionTarget DeletionByTaintManager", p.Name, p.Status.Conditions)
		}
	}
	eventually(t, "TaintManagerEviction events", func(ctx context.Context) (bool, string, error) {
		evs, err := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "reason=TaintManagerEviction"})
		if err != nil {
			return false, "", err
		}
		return len(evs.Items) >= 3, fmt.Sprintf("%d events", len(evs.Items)), nil
	})

	startHollowNodes(t, "nl-x-", 1) // the node comes back
	eventually(t, "nl-x-0 untainted", func(ctx context.Context) (bool, string, error) {
		n, err := cs.CoreV1().Nodes().Get(ctx, "nl-x-0", metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		return len(n.Spec.Taints) == 0, fmt.Sprintf("taints %v", nodeTaints(n)), nil
	})
}

func hasCondition(p corev1.Pod, t corev1.PodConditionType, reason string) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == t && c.Status == corev1.ConditionTrue && c.Reason == reason {
			return true
		}
	}
	return false
}
