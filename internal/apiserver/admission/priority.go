package admission

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// The priority classes every cluster has, as upstream.
const (
	SystemNodeCritical    = "system-node-critical"
	SystemClusterCritical = "system-cluster-critical"
)

// SystemPriorityClasses returns the classes the server creates at start.
func SystemPriorityClasses() []*schedulingv1.PriorityClass {
	mk := func(name string, value int32, desc string) *schedulingv1.PriorityClass {
		pc := &schedulingv1.PriorityClass{Value: value, Description: desc}
		pc.Name = name
		return pc
	}
	return []*schedulingv1.PriorityClass{
		mk(SystemNodeCritical, 2000001000, "Used for system critical pods that must not be moved from their current node."),
		mk(SystemClusterCritical, 2000000000, "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."),
	}
}

// Priority resolves a new pod's priorityClassName into spec.priority and
// spec.preemptionPolicy, as upstream's plugin of that name: no name takes
// the globalDefault class (the lowest, if several), else priority 0; an
// unknown name is refused. It also keeps PriorityClasses to one
// globalDefault.
type Priority struct {
	store Store
}

var (
	_ Mutator   = (*Priority)(nil)
	_ Validator = (*Priority)(nil)
)

// Name is upstream's plugin name.
func (*Priority) Name() string { return "Priority" }

// Mutate sets the pod's priority.
func (p *Priority) Mutate(ctx context.Context, a *Attributes) error {
	if !isPodCreate(a) {
		return nil
	}
	pod := a.Object.(*corev1.Pod)
	var pc *schedulingv1.PriorityClass
	if pod.Spec.PriorityClassName == "" {
		def, err := p.globalDefault(ctx)
		if err != nil {
			return err
		}
		pc = def
		if pc != nil {
			pod.Spec.PriorityClassName = pc.Name
		}
	} else {
		got, err := p.store.Get(ctx, priorityGR, "", pod.Spec.PriorityClassName)
		if apierrors.IsNotFound(err) {
			return forbidden(a, fmt.Errorf("no PriorityClass with name %v was found", pod.Spec.PriorityClassName))
		}
		if err != nil {
			return err
		}
		pc = got.(*schedulingv1.PriorityClass)
	}
	value := int32(0)
	policy := corev1.PreemptLowerPriority
	if pc != nil {
		value = pc.Value
		if pc.PreemptionPolicy != nil {
			policy = *pc.PreemptionPolicy
		}
	}
	if pod.Spec.Priority != nil && *pod.Spec.Priority != value {
		return forbidden(a, fmt.Errorf("the integer value of priority (%d) must not be provided in pod spec; priority admission controller computed %d from the given PriorityClass name", *pod.Spec.Priority, value))
	}
	if pod.Spec.PreemptionPolicy != nil && *pod.Spec.PreemptionPolicy != policy {
		return forbidden(a, fmt.Errorf("the string value of PreemptionPolicy (%s) must not be provided in pod spec; priority admission controller computed %s from the given PriorityClass name", *pod.Spec.PreemptionPolicy, policy))
	}
	pod.Spec.Priority = &value
	pod.Spec.PreemptionPolicy = &policy
	a.Mutated = true
	return nil
}

// globalDefault is the globalDefault class with the lowest value, or nil.
func (p *Priority) globalDefault(ctx context.Context) (*schedulingv1.PriorityClass, error) {
	objs, err := p.store.List(ctx, priorityGR, "")
	if err != nil {
		return nil, err
	}
	var best *schedulingv1.PriorityClass
	for _, o := range objs {
		pc := o.(*schedulingv1.PriorityClass)
		if pc.GlobalDefault && (best == nil || pc.Value < best.Value) {
			best = pc
		}
	}
	return best, nil
}

// Validate keeps a single globalDefault PriorityClass.
func (p *Priority) Validate(ctx context.Context, a *Attributes) (func(), error) {
	pc, ok := a.Object.(*schedulingv1.PriorityClass)
	if !ok || !pc.GlobalDefault || a.Subresource != "" {
		return noop, nil
	}
	def, err := p.globalDefault(ctx)
	if err != nil {
		return noop, err
	}
	if def != nil && def.Name != pc.Name {
		return noop, forbidden(a, fmt.Errorf("PriorityClass %v is already marked as default. Only one default can exist", def.Name))
	}
	return noop, nil
}
