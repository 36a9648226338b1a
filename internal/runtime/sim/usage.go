package sim

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/types"

	"github.com/skiff-dev/skiff/internal/kubelet"
)

// Annotations that give the regular containers of a simulated pod their
// initial resource usage (resource.Quantity strings, unset is 0; a value
// that is not a quantity of zero or more stops the pod's containers from
// starting, with the error in the kubelet's events).
const (
	// CPUUsageAnnotation is the CPU rate of each regular container, e.g.
	// "250m" (a quarter of a core).
	CPUUsageAnnotation = "sim.skiff.dev/cpu-usage"
	// MemoryUsageAnnotation is the memory working set of each regular
	// container, e.g. "64Mi".
	MemoryUsageAnnotation = "sim.skiff.dev/memory-usage"
)

// usage is a container's simulated consumption: a CPU rate and a memory
// working set.
type usage struct {
	cpuMilli    int64
	memoryBytes int64
}

// usageOf reads the usage annotations of p: unset is 0; a value that is
// not a quantity of zero or more is an error (StartContainer returns it;
// RunSandbox, which comes first, takes the zero usage it returns with it).
func usageOf(p *corev1.Pod) (usage, error) {
	cpu, err := usageAnnotation(p, CPUUsageAnnotation)
	if err != nil {
		return usage{}, err
	}
	mem, err := usageAnnotation(p, MemoryUsageAnnotation)
	if err != nil {
		return usage{}, err
	}
	return usage{cpuMilli: cpu.MilliValue(), memoryBytes: mem.Value()}, nil
}

func usageAnnotation(p *corev1.Pod, name string) (resource.Quantity, error) {
	v, ok := p.Annotations[name]
	if !ok {
		return resource.Quantity{}, nil
	}
	q, err := resource.ParseQuantity(v)
	if err != nil {
		return resource.Quantity{}, fmt.Errorf("annotation %s: %q is not a quantity", name, v)
	}
	if q.Sign() < 0 {
		return resource.Quantity{}, fmt.Errorf("annotation %s: %q is negative", name, v)
	}
	return q, nil
}

// cpuMeter integrates the CPU rate of one running container instance over
// the runtime's clock: acc core-nanoseconds up to since, rate from then.
type cpuMeter struct {
	inst      *kubelet.ContainerStatus
	acc       uint64
	since     time.Time
	rateMilli int64
}

// at returns the cumulative core-nanoseconds of the meter at now.
func (m *cpuMeter) at(now time.Time) uint64 {
	d := now.Sub(m.since)
	if d <= 0 || m.rateMilli <= 0 {
		return m.acc
	}
	ns, rate := uint64(d), uint64(m.rateMilli)
	return m.acc + ns/1000*rate + ns%1000*rate/1000
}

// usageFor is the usage of container name in sp: SetUsage's value, else
// the pod's annotations.
func (sp *pod) usageFor(name string) usage {
	if u, ok := sp.usage[name]; ok {
		return u
	}
	return sp.defaultUsage
}

// meter returns the CPU meter of the running instance inst, starting one
// (at the instance's start, at the current rate) on first use. r.mu held.
func (sp *pod) meter(inst *kubelet.ContainerStatus) *cpuMeter {
	m := sp.meters[inst.Name]
	if m == nil || m.inst != inst {
		m = &cpuMeter{inst: inst, since: inst.StartedAt, rateMilli: sp.usageFor(inst.Name).cpuMilli}
		sp.meters[inst.Name] = m
	}
	return m
}

// SetUsage sets the CPU rate (millicores) and memory working set (bytes)
// of a container of pod namespace/name. The CPU a running instance used
// so far is kept; the new rate applies from now on. Like CrashOnStart, the
// setting outlives restarts of the container and re-creations of the pod
// under the same name, and it overrides the pod's usage annotations.
func (r *Runtime) SetUsage(namespace, name, container string, cpuMilli, memoryBytes int64) error {
	return r.steer(namespace, name, func(sp *pod) error {
		if c, ok := sp.containers[container]; ok && c.State == kubelet.ContainerRunning {
			m := sp.meter(c)
			now := r.cfg.Clock.Now()
			m.acc, m.since, m.rateMilli = m.at(now), now, max(cpuMilli, 0)
		}
		sp.usage[container] = usage{cpuMilli: max(cpuMilli, 0), memoryBytes: max(memoryBytes, 0)}
		return nil
	})
}

// ContainerStats implements kubelet.Runtime: the usage of the pod's
// running containers at the runtime clock's now.
func (r *Runtime) ContainerStats(uid types.UID) []kubelet.ContainerStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	sp, ok := r.pods[uid]
	if !ok {
		return nil
	}
	now := r.cfg.Clock.Now()
	var out []kubelet.ContainerStats
	for name, c := range sp.containers {
		if c.State != kubelet.ContainerRunning {
			delete(sp.meters, name)
			continue
		}
		out = append(out, kubelet.ContainerStats{
			Name:                    name,
			StartTime:               c.StartedAt,
			Timestamp:               now,
			CPUUsageCoreNanoSeconds: sp.meter(c).at(now),
			MemoryWorkingSetBytes:   uint64(sp.usageFor(name).memoryBytes),
		})
	}
	return out
}
