package framework

import (
	v1 "k8s.io/api/core/v1"
)

// Default requests counted for scoring when a container names none, as
// upstream (DefaultMilliCPURequest, DefaultMemoryRequest).
const (
	DefaultMilliCPURequest int64 = 100
	DefaultMemoryRequest   int64 = 200 * 1024 * 1024
)

// Resource is an amount of compute resources.
type Resource struct {
	MilliCPU         int64
	Memory           int64
	EphemeralStorage int64
	AllowedPodNumber int64
	// ScalarResources are extended resources and hugepages.
	ScalarResources map[v1.ResourceName]int64
}

// NewResource sums a ResourceList.
func NewResource(rl v1.ResourceList) *Resource {
	r := &Resource{}
	r.Add(rl)
	return r
}

// Add adds rl to r.
func (r *Resource) Add(rl v1.ResourceList) {
	for name, q := range rl {
		switch name {
		case v1.ResourceCPU:
			r.MilliCPU += q.MilliValue()
		case v1.ResourceMemory:
			r.Memory += q.Value()
		case v1.ResourceEphemeralStorage:
			r.EphemeralStorage += q.Value()
		case v1.ResourcePods:
			r.AllowedPodNumber += q.Value()
		default:
			r.SetScalar(name, r.ScalarResources[name]+q.Value())
		}
	}
}

// SetScalar sets a scalar resource.
func (r *Resource) SetScalar(name v1.ResourceName, v int64) {
	if r.ScalarResources == nil {
		r.ScalarResources = map[v1.ResourceName]int64{}
	}
	r.ScalarResources[name] = v
}

// Plus adds o to r.
func (r *Resource) Plus(o *Resource) { r.plus(o, 1) }

// plus adds o, times sign, to r.
func (r *Resource) plus(o *Resource, sign int64) {
	r.MilliCPU += sign * o.MilliCPU
	r.Memory += sign * o.Memory
	r.EphemeralStorage += sign * o.EphemeralStorage
	r.AllowedPodNumber += sign * o.AllowedPodNumber
	for k, v := range o.ScalarResources {
		r.SetScalar(k, r.ScalarResources[k]+sign*v)
	}
}

// setMax raises each of r's amounts to o's where o's is larger.
func (r *Resource) setMax(o *Resource) {
	r.MilliCPU = max(r.MilliCPU, o.MilliCPU)
	r.Memory = max(r.Memory, o.Memory)
	r.EphemeralStorage = max(r.EphemeralStorage, o.EphemeralStorage)
	for k, v := range o.ScalarResources {
		if v > r.ScalarResources[k] {
			r.SetScalar(k, v)
		}
	}
}

// Clone copies r.
func (r *Resource) Clone() *Resource {
	c := *r
	c.ScalarResources = nil
	for k, v := range r.ScalarResources {
		c.SetScalar(k, v)
	}
	return &c
}

// PodRequests is what the pod asks of a node, as upstream computes it:
// the sum over app containers (and restartable init containers, the
// sidecars), raised to the largest single init container (plus the sidecars
// started before it), plus the pod overhead. With nonZero, a container
// naming no cpu or memory request counts the scoring defaults instead.
func PodRequests(pod *v1.Pod, nonZero bool) *Resource {
	reqs := &Resource{}
	for i := range pod.Spec.Containers {
		reqs.plus(containerRequests(pod.Spec.Containers[i].Resources.Requests, nonZero), 1)
	}
	sidecars := &Resource{}
	initMax := &Resource{}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		cr := containerRequests(c.Resources.Requests, nonZero)
		if c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways {
			reqs.plus(cr, 1)
			sidecars.plus(cr, 1)
			initMax.setMax(sidecars)
			continue
		}
		t := sidecars.Clone()
		t.plus(cr, 1)
		initMax.setMax(t)
	}
	reqs.setMax(initMax)
	if pod.Spec.Overhead != nil {
		reqs.Add(pod.Spec.Overhead)
	}
	return reqs
}

func containerRequests(rl v1.ResourceList, nonZero bool) *Resource {
	r := NewResource(rl)
	r.AllowedPodNumber = 0
	if nonZero {
		if _, ok := rl[v1.ResourceCPU]; !ok {
			r.MilliCPU = DefaultMilliCPURequest
		}
		if _, ok := rl[v1.ResourceMemory]; !ok {
			r.Memory = DefaultMemoryRequest
		}
	}
	return r
}
