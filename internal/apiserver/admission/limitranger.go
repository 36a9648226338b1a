package admission

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"

	qeval "github.com/skiff-dev/skiff/internal/apis/quota"
)

// limitRangerAnnotation records which defaults LimitRanger set.
const limitRangerAnnotation = "kubernetes.io/limit-ranger"

// LimitRanger applies the LimitRanges of the namespace to new pods and
// PersistentVolumeClaims, as upstream's plugin: missing container limits
// and requests take the Container item's default and defaultRequest, then
// min, max and maxLimitRequestRatio bound each container (Container items),
// the sum over the pod (Pod items) and the claim (PersistentVolumeClaim
// items). Requests of containers that set only limits already equal the
// limits (API defaulting).
type LimitRanger struct {
	store Store
}

var (
	_ Mutator   = (*LimitRanger)(nil)
	_ Validator = (*LimitRanger)(nil)
)

// Name is upstream's plugin name.
func (*LimitRanger) Name() string { return "LimitRanger" }

func (p *LimitRanger) ranges(ctx context.Context, ns string) ([]*corev1.LimitRange, error) {
	objs, err := p.store.List(ctx, limitRangesGR, ns)
	if err != nil {
		return nil, err
	}
	out := make([]*corev1.LimitRange, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.(*corev1.LimitRange))
	}
	return out, nil
}

// Mutate sets container defaults on a new pod.
func (p *LimitRanger) Mutate(ctx context.Context, a *Attributes) error {
	if !isPodCreate(a) {
		return nil
	}
	ranges, err := p.ranges(ctx, a.Namespace)
	if err != nil || len(ranges) == 0 {
		return err
	}
	pod := a.Object.(*corev1.Pod)
	var notes []string
	for _, lr := range ranges {
		for _, item := range lr.Spec.Limits {
			if item.Type != corev1.LimitTypeContainer {
				continue
			}
			limits, requests := containerDefaults(item)
			for i := range pod.Spec.InitContainers {
				notes = append(notes, mergeDefaults(&pod.Spec.InitContainers[i], "init container", limits, requests)...)
			}
			for i := range pod.Spec.Containers {
				notes = append(notes, mergeDefaults(&pod.Spec.Containers[i], "container", limits, requests)...)
			}
		}
	}
	if len(notes) > 0 {
		if pod.Annotations == nil {
			pod.Annotations = map[string]string{}
		}
		pod.Annotations[limitRangerAnnotation] = "LimitRanger plugin set: " + strings.Join(notes, "; ")
		a.Mutated = true
	}
	return nil
}

// containerDefaults are an item's default limits and requests, filled as
// upstream's LimitRange defaulting does: default from max, defaultRequest
// from default, then from min.
func containerDefaults(item corev1.LimitRangeItem) (limits, requests corev1.ResourceList) {
	limits, requests = corev1.ResourceList{}, corev1.ResourceList{}
	for k, v := range item.Default {
		limits[k] = v
	}
	for k, v := range item.Max {
		if _, ok := limits[k]; !ok {
			limits[k] = v
		}
	}
	for k, v := range item.DefaultRequest {
		requests[k] = v
	}
	for _, src := range []corev1.ResourceList{limits, item.Min} {
		for k, v := range src {
			if _, ok := requests[k]; !ok {
				requests[k] = v
			}
		}
	}
	return limits, requests
}

// mergeDefaults fills what the container lacks and describes what it set.
func mergeDefaults(c *corev1.Container, what string, limits, requests corev1.ResourceList) []string {
	var setLimits, setRequests []string
	for k, v := range limits {
		if _, ok := c.Resources.Limits[k]; !ok {
			if c.Resources.Limits == nil {
				c.Resources.Limits = corev1.ResourceList{}
			}
			c.Resources.Limits[k] = v.DeepCopy()
			setLimits = append(setLimits, string(k))
		}
	}
	for k, v := range requests {
		if _, ok := c.Resources.Requests[k]; !ok {
			if c.Resources.Requests == nil {
				c.Resources.Requests = corev1.ResourceList{}
			}
			c.Resources.Requests[k] = v.DeepCopy()
			setRequests = append(setRequests, string(k))
		}
	}
	var notes []string
	if len(setRequests) > 0 {
		sort.Strings(setRequests)
		notes = append(notes, fmt.Sprintf("%s request for %s %s", strings.Join(setRequests, ", "), what, c.Name))
	}
	if len(setLimits) > 0 {
		sort.Strings(setLimits)
		notes = append(notes, fmt.Sprintf("%s limit for %s %s", strings.Join(setLimits, ", "), what, c.Name))
	}
	return notes
}

// Validate bounds a new pod or claim by the namespace's LimitRanges.
func (p *LimitRanger) Validate(ctx context.Context, a *Attributes) (func(), error) {
	if a.Operation != Create || a.Subresource != "" || (a.Resource != podsGR && a.Resource != claimsGR) {
		return noop, nil
	}
	ranges, err := p.ranges(ctx, a.Namespace)
	if err != nil || len(ranges) == 0 {
		return noop, err
	}
	var errs []error
	for _, lr := range ranges {
		for _, item := range lr.Spec.Limits {
			switch obj := a.Object.(type) {
			case *corev1.Pod:
				errs = append(errs, podBounds(obj, item)...)
			case *corev1.PersistentVolumeClaim:
				if item.Type == corev1.LimitTypePersistentVolumeClaim {
					errs = append(errs, bounds(string(item.Type), item, obj.Spec.Resources.Requests, obj.Spec.Resources.Limits)...)
				}
			}
		}
	}
	if len(errs) > 0 {
		return noop, forbidden(a, utilerrors.NewAggregate(errs))
	}
	return noop, nil
}

func podBounds(pod *corev1.Pod, item corev1.LimitRangeItem) []error {
	switch item.Type {
	case corev1.LimitTypeContainer:
		var errs []error
		for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
			for _, c := range cs {
				errs = append(errs, bounds(string(item.Type), item, c.Resources.Requests, c.Resources.Limits)...)
			}
		}
		return errs
	case corev1.LimitTypePod:
		return bounds(string(item.Type), item, qeval.PodResources(pod, true), qeval.PodResources(pod, false))
	}
	return nil
}

// bounds checks requests and limits against an item's min, max and ratio.
func bounds(kind string, item corev1.LimitRangeItem, requests, limits corev1.ResourceList) []error {
	var errs []error
	for _, k := range sortedNames(item.Min) {
		errs = appendErr(errs, minBound(kind, string(k), item.Min[k], requests, limits))
	}
	for _, k := range sortedNames(item.Max) {
		errs = appendErr(errs, maxBound(kind, string(k), item.Max[k], requests, limits))
	}
	for _, k := range sortedNames(item.MaxLimitRequestRatio) {
		errs = appendErr(errs, ratioBound(kind, string(k), item.MaxLimitRequestRatio[k], requests, limits))
	}
	return errs
}

func appendErr(errs []error, err error) []error {
	if err != nil {
		return append(errs, err)
	}
	return errs
}

func sortedNames(l corev1.ResourceList) []corev1.ResourceName {
	out := make([]corev1.ResourceName, 0, len(l))
	for k := range l {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// compared returns request, limit and bound in milli-units when none
// overflows, else in units, as upstream compares them.
func compared(req, lim, bound resource.Quantity) (int64, int64, int64) {
	r, l, b := req.Value(), lim.Value(), bound.Value()
	if r <= resource.MaxMilliValue && l <= resource.MaxMilliValue && b <= resource.MaxMilliValue {
		return req.MilliValue(), lim.MilliValue(), bound.MilliValue()
	}
	return r, l, b
}

func minBound(kind, name string, bound resource.Quantity, requests, limits corev1.ResourceList) error {
	req, hasReq := requests[corev1.ResourceName(name)]
	lim, hasLim := limits[corev1.ResourceName(name)]
	r, l, b := compared(req, lim, bound)
	switch {
	case !hasReq:
		return fmt.Errorf("minimum %s usage per %s is %s.  No request is specified", name, kind, bound.String())
	case r < b:
		return fmt.Errorf("minimum %s usage per %s is %s, but request is %s", name, kind, bound.String(), req.String())
	case hasLim && l < b:
		return fmt.Errorf("minimum %s usage per %s is %s, but limit is %s", name, kind, bound.String(), lim.String())
	}
	return nil
}

func maxBound(kind, name string, bound resource.Quantity, requests, limits corev1.ResourceList) error {
	req, hasReq := requests[corev1.ResourceName(name)]
	lim, hasLim := limits[corev1.ResourceName(name)]
	r, l, b := compared(req, lim, bound)
	switch {
	case !hasLim:
		return fmt.Errorf("maximum %s usage per %s is %s.  No limit is specified", name, kind, bound.String())
	case l > b:
		return fmt.Errorf("maximum %s usage per %s is %s, but limit is %s", name, kind, bound.String(), lim.String())
	case hasReq && r > b:
		return fmt.Errorf("maximum %s usage per %s is %s, but request is %s", name, kind, bound.String(), req.String())
	}
	return nil
}

func ratioBound(kind, name string, bound resource.Quantity, requests, limits corev1.ResourceList) error {
	req, hasReq := requests[corev1.ResourceName(name)]
	lim, hasLim := limits[corev1.ResourceName(name)]
	r, l, b := compared(req, lim, bound)
	if !hasReq || r == 0 {
		return fmt.Errorf("%s max limit to request ratio per %s is %s, but no request is specified or request is 0", name, kind, bound.String())
	}
	if !hasLim || l == 0 {
		return fmt.Errorf("%s max limit to request ratio per %s is %s, but no limit is specified or limit is 0", name, kind, bound.String())
	}
	ratio := float64(l) / float64(r)
	max := float64(b) / 1000
	if ratio > max {
		return fmt.Errorf("%s max limit to request ratio per %s is %s, but provided ratio is %f", name, kind, bound.String(), ratio)
	}
	return nil
}
