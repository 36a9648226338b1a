package admission

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	qeval "github.com/skiff-dev/skiff/internal/apis/quota"
)

// ResourceQuota enforces the namespace's ResourceQuotas, as upstream's
// plugin. A write that adds usage charges every matching quota by a
// compare-and-swap update of its status.used before the object is stored,
// and is refused (403) when any quota would pass status.hard; undo gives
// the charge back when the write fails. Release gives back what a deleted
// object held. On create or spec update of a ResourceQuota itself, Mutate
// sets status.hard from spec.hard and computes status.used for resources
// it did not track yet.
type ResourceQuota struct {
	store Store
}

var (
	_ Mutator   = (*ResourceQuota)(nil)
	_ Validator = (*ResourceQuota)(nil)
)

// Name is upstream's plugin name.
func (*ResourceQuota) Name() string { return "ResourceQuota" }

// Mutate fills the status of a ResourceQuota being written.
func (p *ResourceQuota) Mutate(ctx context.Context, a *Attributes) error {
	q, ok := a.Object.(*corev1.ResourceQuota)
	if !ok || a.Subresource != "" {
		return nil
	}
	if old, ok := a.OldObject.(*corev1.ResourceQuota); ok && equality.Semantic.DeepEqual(old.Spec, q.Spec) {
		return nil
	}
	q.Status.Hard = q.Spec.Hard.DeepCopy()
	if q.Status.Used == nil {
		q.Status.Used = corev1.ResourceList{}
	}
	missing := corev1.ResourceList{}
	for name := range q.Spec.Hard {
		if _, ok := q.Status.Used[name]; !ok {
			missing[name] = resource.Quantity{}
		}
	}
	for name := range q.Status.Used {
		if _, ok := q.Spec.Hard[name]; !ok {
			delete(q.Status.Used, name)
		}
	}
	if len(missing) > 0 {
		used, err := p.compute(ctx, q, missing)
		if err != nil {
			return err
		}
		for name, v := range used {
			q.Status.Used[name] = v
		}
	}
	a.Mutated = true
	return nil
}

// compute sums the usage of the namespace's objects for names.
func (p *ResourceQuota) compute(ctx context.Context, q *corev1.ResourceQuota, names corev1.ResourceList) (corev1.ResourceList, error) {
	return qeval.Compute(q, names, func(gr schema.GroupResource) ([]runtime.Object, error) {
		return p.store.List(ctx, gr, q.Namespace)
	}, apierrors.IsNotFound)
}

// Validate charges the matching quotas for a create or an update that
// adds usage.
func (p *ResourceQuota) Validate(ctx context.Context, a *Attributes) (func(), error) {
	if a.Operation == Update && a.Resource == podsGR && !a.DryRun {
		// Only a status write moves a pod to a terminal phase.
		return p.releaseFinished(ctx, a), nil
	}
	if a.Subresource != "" || a.Namespace == "" {
		return noop, nil
	}
	// Most namespaces have no quota: what the write uses is only worked
	// out when a quota could be charged for it.
	quotas, err := p.store.List(ctx, quotasGR, a.Namespace)
	if err == nil && len(quotas) == 0 {
		return noop, nil
	}
	delta := qeval.Usage(a.Resource, a.Object)
	if a.Operation == Update && a.OldObject != nil {
		delta = nonNegative(delta, qeval.Usage(a.Resource, a.OldObject))
	}
	if len(delta) == 0 {
		return noop, nil
	}
	if err != nil {
		return noop, err
	}
	names := make([]string, 0, len(quotas))
	for _, o := range quotas {
		q := o.(*corev1.ResourceQuota)
		if applies(q, a.Resource, a.Object, delta) {
			if err := constraints(q, a.Object); err != nil {
				return noop, forbidden(a, fmt.Errorf("failed quota: %s: %w", q.Name, err))
			}
			names = append(names, q.Name)
		}
	}
	sort.Strings(names)
	var charged []string
	undo := func() {
		for _, name := range charged {
			p.charge(context.WithoutCancel(ctx), a.Namespace, name, delta, -1)
		}
	}
	for _, name := range names {
		err := p.checkOrCharge(ctx, a, name, delta)
		if apierrors.IsNotFound(err) {
			continue // deleted meanwhile
		}
		if err != nil {
			undo()
			return noop, err
		}
		charged = append(charged, name)
	}
	return undo, nil
}

// checkOrCharge adds delta to one quota's status.used with a CAS update,
// failing when that would pass status.hard. Under dryRun it only checks
// against the cached quota.
func (p *ResourceQuota) checkOrCharge(ctx context.Context, a *Attributes, name string, delta corev1.ResourceList) error {
	if a.DryRun {
		got, err := p.store.Get(ctx, quotasGR, a.Namespace, name)
		if err != nil {
			return err
		}
		_, err = chargeQuota(a, got.(*corev1.ResourceQuota).DeepCopy(), delta)
		return err
	}
	_, err := p.store.Update(ctx, quotasGR, a.Namespace, name, func(cur runtime.Object) (runtime.Object, error) {
		if cur == nil {
			return nil, apierrors.NewNotFound(quotasGR, name)
		}
		return chargeQuota(a, cur.(*corev1.ResourceQuota), delta)
	})
	return err
}

// chargeQuota adds delta (masked to what q limits) to q's usage.
func chargeQuota(a *Attributes, q *corev1.ResourceQuota, delta corev1.ResourceList) (*corev1.ResourceQuota, error) {
	hard := q.Status.Hard
	if len(hard) == 0 {
		hard = q.Spec.Hard
	}
	requested := qeval.Mask(delta, hard)
	if q.Status.Used == nil {
		q.Status.Used = corev1.ResourceList{}
	}
	var exceeded []corev1.ResourceName
	next := corev1.ResourceList{}
	for name, d := range requested {
		used, ok := q.Status.Used[name]
		if !ok {
			return nil, forbidden(a, fmt.Errorf("status unknown for quota: %s, resource: %s", q.Name, name))
		}
		sum := used.DeepCopy()
		sum.Add(d)
		next[name] = sum
		if sum.Cmp(hard[name]) > 0 {
			exceeded = append(exceeded, name)
		}
	}
	if len(exceeded) > 0 {
		ex := corev1.ResourceList{}
		for _, name := range exceeded {
			ex[name] = resource.Quantity{}
		}
		return nil, forbidden(a, fmt.Errorf("exceeded quota: %s, requested: %s, used: %s, limited: %s",
			q.Name, prettyPrint(qeval.Mask(requested, ex)), prettyPrint(qeval.Mask(q.Status.Used, ex)), prettyPrint(qeval.Mask(hard, ex))))
	}
	for name, v := range next {
		q.Status.Used[name] = v
	}
	return q, nil
}

// charge adds sign*delta to a quota's usage, never below zero; it is the
// undo of a charge and the release of a deleted object.
func (p *ResourceQuota) charge(ctx context.Context, ns, name string, delta corev1.ResourceList, sign int) {
	_, _ = p.store.Update(ctx, quotasGR, ns, name, func(cur runtime.Object) (runtime.Object, error) {
		if cur == nil {
			return nil, apierrors.NewNotFound(quotasGR, name)
		}
		q := cur.(*corev1.ResourceQuota)
		for qn, d := range qeval.Mask(delta, q.Status.Used) {
			if _, limited := q.Spec.Hard[qn]; !limited {
				continue
			}
			v := q.Status.Used[qn]
			if sign < 0 {
				v.Sub(d)
				if v.Sign() < 0 {
					v = *resource.NewQuantity(0, resource.DecimalSI)
				}
			} else {
				v.Add(d)
			}
			q.Status.Used[qn] = v
		}
		return q, nil
	})
}

// Release gives back to the namespace's quotas what a deleted object of
// gr held.
func (p *ResourceQuota) Release(ctx context.Context, gr schema.GroupResource, obj runtime.Object) {
	ns := namespaceOf(obj)
	if ns == "" {
		return
	}
	delta := qeval.Usage(gr, obj)
	if len(delta) == 0 {
		return
	}
	quotas, err := p.store.List(ctx, quotasGR, ns)
	if err != nil {
		return
	}
	for _, o := range quotas {
		q := o.(*corev1.ResourceQuota)
		if applies(q, gr, obj, delta) {
			p.charge(context.WithoutCancel(ctx), ns, q.Name, delta, -1)
		}
	}
}

// releaseFinished gives back what a pod held once it reaches Succeeded or
// Failed (terminal pods use no quota); undo charges it again.
func (p *ResourceQuota) releaseFinished(ctx context.Context, a *Attributes) func() {
	old, _ := a.OldObject.(*corev1.Pod)
	pod, _ := a.Object.(*corev1.Pod)
	if old == nil || pod == nil || qeval.Terminal(old) || !qeval.Terminal(pod) {
		return noop
	}
	delta := qeval.Usage(podsGR, old)
	quotas, err := p.store.List(ctx, quotasGR, a.Namespace)
	if err != nil {
		return noop
	}
	var released []string
	for _, o := range quotas {
		q := o.(*corev1.ResourceQuota)
		if applies(q, podsGR, old, delta) {
			p.charge(context.WithoutCancel(ctx), a.Namespace, q.Name, delta, -1)
			released = append(released, q.Name)
		}
	}
	return func() {
		for _, name := range released {
			p.charge(context.WithoutCancel(ctx), a.Namespace, name, delta, 1)
		}
	}
}

// applies reports that q's scopes match obj and q limits something objects
// of gr use.
func applies(q *corev1.ResourceQuota, gr schema.GroupResource, obj runtime.Object, delta corev1.ResourceList) bool {
	hard := q.Status.Hard
	if len(hard) == 0 {
		hard = q.Spec.Hard
	}
	limits := len(qeval.Mask(delta, hard)) > 0
	for name := range hard {
		if qeval.GroupOf(name) == gr {
			limits = true
		}
	}
	return limits && qeval.ScopesMatch(q, obj)
}

// nonNegative is new - old, keeping only what grew.
func nonNegative(next, old corev1.ResourceList) corev1.ResourceList {
	out := corev1.ResourceList{}
	for name, v := range next {
		d := v.DeepCopy()
		if o, ok := old[name]; ok {
			d.Sub(o)
		}
		if d.Sign() > 0 {
			out[name] = d
		}
	}
	return out
}

// validationSet are the compute resources every container must state when
// a quota limits them (upstream's backward-compatibility rule).
var validationSet = []corev1.ResourceName{
	corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceLimitsCPU,
	corev1.ResourceLimitsMemory, corev1.ResourceRequestsCPU, corev1.ResourceRequestsMemory,
}

// constraints refuses a pod whose containers omit a compute resource the
// quota limits: "must specify limits.cpu for: a,b; requests.cpu for: a".
func constraints(q *corev1.ResourceQuota, obj runtime.Object) error {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return nil
	}
	missing := map[corev1.ResourceName][]string{}
	for _, required := range validationSet {
		if _, ok := q.Spec.Hard[required]; !ok {
			continue
		}
		for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
			for _, c := range cs {
				if !states(c, required) {
					missing[required] = append(missing[required], c.Name)
				}
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	names := make([]string, 0, len(missing))
	for name := range missing {
		names = append(names, string(name))
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, name := range names {
		parts = append(parts, name+" for: "+strings.Join(missing[corev1.ResourceName(name)], ","))
	}
	return fmt.Errorf("must specify %s", strings.Join(parts, "; "))
}

// states reports that a container sets the resource a quota name counts.
func states(c corev1.Container, name corev1.ResourceName) bool {
	s := string(name)
	switch {
	case strings.HasPrefix(s, "limits."):
		_, ok := c.Resources.Limits[corev1.ResourceName(strings.TrimPrefix(s, "limits."))]
		return ok
	case strings.HasPrefix(s, "requests."):
		_, ok := c.Resources.Requests[corev1.ResourceName(strings.TrimPrefix(s, "requests."))]
		return ok
	}
	_, ok := c.Resources.Requests[name]
	return ok
}
