package daemonset

import (
	"maps"
	"slices"
	"sort"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// placement is what the manage step does: nodes to create a pod on and
// pods to delete; failed are the failed pods among the deletions.
type placement struct {
	createOn []string
	delete   []*corev1.Pod
	failed   []*corev1.Pod
}

// place decides, for every node, as upstream's podsShouldBeOnNode: a node
// that should run a pod and has none gets one; on a node where pods may
// keep running, failed pods go (when allowFailed says the node is out of
// back-off) and so do surplus ones; on any other node every pod goes.
// Unscheduled pods bound to nodes that no longer exist go too.
func place(spec *corev1.PodSpec, nodes []*corev1.Node, byNode map[string][]*corev1.Pod, surge bool, hash string, generation int64,
	allowFailed func(node string) bool) placement {
	var pl placement
	known := map[string]bool{}
	for _, n := range nodes {
		known[n.Name] = true
		run, keep := shouldRun(spec, n)
		pods := byNode[n.Name]
		switch {
		case run && len(pods) == 0:
			pl.createOn = append(pl.createOn, n.Name)
		case keep:
			var running []*corev1.Pod
			for _, p := range pods {
				switch {
				case p.DeletionTimestamp != nil:
				case p.Status.Phase == corev1.PodFailed:
					if allowFailed == nil || allowFailed(n.Name) {
						pl.delete = append(pl.delete, p)
						pl.failed = append(pl.failed, p)
					}
				default:
					running = append(running, p)
				}
			}
			pl.delete = append(pl.delete, surplus(running, surge, hash, generation)...)
		default:
			for _, p := range pods {
				if p.DeletionTimestamp == nil {
					pl.delete = append(pl.delete, p)
				}
			}
		}
	}
	names := slices.Sorted(maps.Keys(byNode))
	for _, n := range names {
		if known[n] {
			continue
		}
		for _, p := range byNode[n] {
			if p.Spec.NodeName == "" && p.DeletionTimestamp == nil {
				pl.delete = append(pl.delete, p)
			}
		}
	}
	sort.Strings(pl.createOn)
	return pl
}

// daemonSpec is the template's pod spec with the automatic tolerations,
// what shouldRun judges.
func daemonSpec(ds *appsv1.DaemonSet) *corev1.PodSpec {
	spec := ds.Spec.Template.Spec.DeepCopy()
	addDaemonTolerations(spec)
	return spec
}

// newPod is the daemon pod of ds for node.
func newPod(ds *appsv1.DaemonSet, node, hash string) *corev1.Pod {
	t := ds.Spec.Template
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    ds.Name + "-",
			Namespace:       ds.Namespace,
			Labels:          maps.Clone(t.Labels),
			Annotations:     maps.Clone(t.Annotations),
			Finalizers:      slices.Clone(t.Finalizers),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(ds, kind)},
		},
		Spec: *daemonSpec(ds),
	}
	if p.Labels == nil {
		p.Labels = map[string]string{}
	}
	p.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] = hash
	p.Labels[templateGenerationLabel] = strconv.FormatInt(ds.Generation, 10)
	bindToNode(&p.Spec, node)
	return p
}
