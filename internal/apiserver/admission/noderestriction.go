package admission

import (
	"context"
	"fmt"
	"strings"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/skiff-dev/skiff/internal/apiserver/auth"
	"github.com/skiff-dev/skiff/internal/apiserver/auth/node"
)

// NodeRestriction limits what kubelets (system:node:<name> in
// system:nodes) write, as upstream's plugin of that name, after the node
// authorizer let the request through:
//   - pods: a node creates only mirror pods (annotation
//     kubernetes.io/config.mirror) bound to itself, and updates the status
//     only of pods bound to itself;
//   - nodes: a node creates and updates only its own Node, never changes
//     its taints after creation, and never sets labels under
//     node-restriction.kubernetes.io/;
//   - leases: a node writes only the Lease named after it.
//
// Deletes do not pass through admission here; the node authorizer allows
// a node to delete only the pods bound to it.
type NodeRestriction struct{}

var _ Validator = NodeRestriction{}

// Name is upstream's plugin name.
func (NodeRestriction) Name() string { return "NodeRestriction" }

var leasesGR = schema.GroupResource{Group: "coordination.k8s.io", Resource: "leases"}

const nodeRestrictionPrefix = "node-restriction.kubernetes.io/"

// Validate implements Validator.
func (NodeRestriction) Validate(ctx context.Context, a *Attributes) (func(), error) {
	u, ok := auth.UserFrom(ctx)
	if !ok {
		return noop, nil
	}
	nodeName, isNode := node.NameOf(u)
	if !isNode {
		return noop, nil
	}
	if nodeName == "" {
		return noop, forbidden(a, fmt.Errorf("could not determine node from user %q", u.Name))
	}
	var err error
	switch a.Resource {
	case podsGR:
		err = admitPod(ctx, nodeName, a)
	case nodesGR:
		err = admitNode(ctx, nodeName, a)
	case leasesGR:
		if l, ok := a.Object.(*coordinationv1.Lease); ok && (l.Namespace != node.LeaseNamespace || l.Name != nodeName) {
			err = fmt.Errorf("can only access node lease with the same name as the requesting node")
		}
	}
	if err != nil {
		return noop, forbidden(a, err)
	}
	return noop, nil
}

func admitPod(ctx context.Context, nodeName string, a *Attributes) error {
	sub := a.Subresource
	if ra, ok := auth.AttributesFromContext(ctx); ok && sub == "" {
		sub = ra.Subresource
	}
	switch {
	case sub == "status":
		old, ok := a.OldObject.(*corev1.Pod)
		if !ok || old.Spec.NodeName != nodeName {
			return fmt.Errorf("node %q can only update pod status for pods with spec.nodeName set to itself", nodeName)
		}
	case sub == "eviction":
		return nil // the node authorizer allows evictions of its own pods only
	case a.Operation == Create && sub == "":
		pod, ok := a.Object.(*corev1.Pod)
		if !ok {
			return nil
		}
		if _, mirror := pod.Annotations[mirrorPodAnnotation]; !mirror {
			return fmt.Errorf("pod does not have %q annotation, node %q can only create mirror pods", mirrorPodAnnotation, nodeName)
		}
		if pod.Spec.NodeName != nodeName {
			return fmt.Errorf("node %q can only create pods with spec.nodeName set to itself", nodeName)
		}
	default:
		return fmt.Errorf("unexpected operation %q, node %q can only create and delete mirror pods", a.Operation, nodeName)
	}
	return nil
}

var nodesGR = schema.GroupResource{Resource: "nodes"}

func admitNode(ctx context.Context, nodeName string, a *Attributes) error {
	n, ok := a.Object.(*corev1.Node)
	if !ok {
		return nil
	}
	if n.Name != nodeName {
		return fmt.Errorf("node %q is not allowed to modify node %q", nodeName, n.Name)
	}
	old, _ := a.OldObject.(*corev1.Node)
	var bad []string
	for k, v := range n.Labels {
		if strings.HasPrefix(k, nodeRestrictionPrefix) && (old == nil || old.Labels[k] != v) {
			bad = append(bad, k)
		}
	}
	if old != nil {
		for k := range old.Labels {
			if _, kept := n.Labels[k]; !kept && strings.HasPrefix(k, nodeRestrictionPrefix) {
				bad = append(bad, k)
			}
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("is not allowed to modify labels: %s", strings.Join(bad, ", "))
	}
	sub := a.Subresource
	if ra, ok := auth.AttributesFromContext(ctx); ok && sub == "" {
		sub = ra.Subresource
	}
	if old != nil && sub == "" && !equality.Semantic.DeepEqual(old.Spec.Taints, n.Spec.Taints) {
		return fmt.Errorf("node %q is not allowed to modify taints", nodeName)
	}
	return nil
}
