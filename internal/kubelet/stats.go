package kubelet

import (
	"sort"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// PodStats is the resource usage of one pod with running containers.
type PodStats struct {
	Namespace, Name string
	UID             types.UID
	// Containers are the pod's running containers, by name.
	Containers []ContainerStats
}

// NodeStats is the resource usage of the node: for a hollow node, what
// its pods use.
type NodeStats struct {
	CPUUsageCoreNanoSeconds uint64
	MemoryWorkingSetBytes   uint64
	Timestamp               time.Time
}

// Summary is what the kubelet reports of the node and its pods at one
// time, sorted by namespace and name (containers by name).
type Summary struct {
	Node NodeStats
	Pods []PodStats
}

// nodeCPU keeps the node's CPU counter monotonic: a container that stops
// takes its usage out of the sum of running containers, so the usage it
// last showed is kept in retired.
type nodeCPU struct {
	mu      sync.Mutex
	retired uint64
	last    map[instanceKey]uint64
}

// instanceKey names one container instance.
type instanceKey struct {
	uid     types.UID
	name    string
	started time.Time
}

// total is the node's CPU counter given the usage of the running
// containers now.
func (n *nodeCPU) total(now map[instanceKey]uint64) uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	for k, v := range n.last {
		if _, ok := now[k]; !ok {
			n.retired += v
		}
	}
	n.last = now
	sum := n.retired
	for _, v := range now {
		sum += v
	}
	return sum
}

// Summary returns the resource usage of the node and of the pods the
// kubelet works on that have running containers. It is safe to call from
// any goroutine.
func (k *Kubelet) Summary() Summary {
	type ref struct {
		uid             types.UID
		namespace, name string
	}
	k.mu.Lock()
	refs := make([]ref, 0, len(k.workers))
	for uid, w := range k.workers {
		w.mu.Lock()
		refs = append(refs, ref{uid, w.pod.Namespace, w.pod.Name})
		w.mu.Unlock()
	}
	k.mu.Unlock()
	out := Summary{Node: NodeStats{Timestamp: k.cfg.Clock.Now()}}
	running := map[instanceKey]uint64{}
	for _, r := range refs {
		cs := k.cfg.Runtime.ContainerStats(r.uid)
		if len(cs) == 0 {
			continue
		}
		sort.Slice(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
		for _, c := range cs {
			running[instanceKey{r.uid, c.Name, c.StartTime}] = c.CPUUsageCoreNanoSeconds
			out.Node.MemoryWorkingSetBytes += c.MemoryWorkingSetBytes
			if c.Timestamp.After(out.Node.Timestamp) {
				out.Node.Timestamp = c.Timestamp
			}
		}
		out.Pods = append(out.Pods, PodStats{Namespace: r.namespace, Name: r.name, UID: r.uid, Containers: cs})
	}
	out.Node.CPUUsageCoreNanoSeconds = k.nodeCPU.total(running)
	sort.Slice(out.Pods, func(i, j int) bool {
		if out.Pods[i].Namespace != out.Pods[j].Namespace {
			return out.Pods[i].Namespace < out.Pods[j].Namespace
		}
		return out.Pods[i].Name < out.Pods[j].Name
	})
	return out
}
