package podgc

import (
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// outOfServiceTaint marks a node shut down for good (upstream's
// node.kubernetes.io/out-of-service).
const outOfServiceTaint = "node.kubernetes.io/out-of-service"

// terminated reports whether the pod has finished: any phase but Pending,
// Running and Unknown, as upstream.
func terminated(p *corev1.Pod) bool {
	switch p.Status.Phase {
	case corev1.PodPending, corev1.PodRunning, corev1.PodUnknown:
		return false
	}
	return true
}

// terminatedToDelete returns the terminated pods beyond threshold, in the
// order upstream deletes them: evicted pods first, then the oldest. A
// threshold of zero or less disables this collection.
func terminatedToDelete(pods []*corev1.Pod, threshold int) []*corev1.Pod {
	if threshold <= 0 {
		return nil
	}
	var done []*corev1.Pod
	for _, p := range pods {
		if terminated(p) {
			done = append(done, p)
		}
	}
	n := len(done) - threshold
	if n <= 0 {
		return nil
	}
	sort.SliceStable(done, func(i, j int) bool {
		ei, ej := done[i].Status.Reason == "Evicted", done[j].Status.Reason == "Evicted"
		if ei != ej {
			return ei
		}
		ti, tj := done[i].CreationTimestamp, done[j].CreationTimestamp
		if !ti.Equal(&tj) {
			return ti.Before(&tj)
		}
		return done[i].Namespace+"/"+done[i].Name < done[j].Namespace+"/"+done[j].Name
	})
	return done[:n]
}

// unscheduledTerminating returns the pods being deleted that were never
// bound to a node.
func unscheduledTerminating(pods []*corev1.Pod) []*corev1.Pod {
	var out []*corev1.Pod
	for _, p := range pods {
		if p.DeletionTimestamp != nil && p.Spec.NodeName == "" {
			out = append(out, p)
		}
	}
	return out
}

// outOfServiceTerminating returns the terminating pods on not-Ready
// nodes that carry the out-of-service taint.
func outOfServiceTerminating(pods []*corev1.Pod, nodes map[string]*corev1.Node) []*corev1.Pod {
	var out []*corev1.Pod
	for _, p := range pods {
		n := nodes[p.Spec.NodeName]
		if p.DeletionTimestamp == nil || n == nil || nodeReady(n) || !hasTaint(n, outOfServiceTaint) {
			continue
		}
		out = append(out, p)
	}
	return out
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func hasTaint(n *corev1.Node, key string) bool {
	for _, t := range n.Spec.Taints {
		if t.Key == key && t.Effect == corev1.TaintEffectNoExecute {
			return true
		}
	}
	return false
}

// quarantine tracks the nodes pods are bound to that the cache does not
// know, and since when.
type quarantine map[string]time.Time

// update records the missing nodes the pods name and forgets the ones
// that exist again or have no pods left; it returns the nodes missing for
// at least d, to be confirmed gone before their pods are deleted.
func (q quarantine) update(pods []*corev1.Pod, nodes map[string]*corev1.Node, now time.Time, d time.Duration) []string {
	missing := map[string]bool{}
	for _, p := range pods {
		if p.Spec.NodeName != "" && nodes[p.Spec.NodeName] == nil {
			missing[p.Spec.NodeName] = true
		}
	}
	for name := range q {
		if !missing[name] {
			delete(q, name)
		}
	}
	var due []string
	for name := range missing {
		since, ok := q[name]
		if !ok {
			q[name] = now
			continue
		}
		if now.Sub(since) >= d {
			due = append(due, name)
		}
	}
	sort.Strings(due)
	return due
}
