package sim

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"

	"github.com/skiff-dev/skiff/internal/kubelet"
)

var _ kubelet.Runtime = (*Runtime)(nil)

// Version is the containerRuntimeVersion of simulated nodes.
const Version = "sim://1.0.0"

// Config configures one node's simulated runtime.
type Config struct {
	// StartLatency is how long a container takes to start (0: at once).
	StartLatency time.Duration
	// StopDelay is how long stopping takes, capped by the grace period.
	StopDelay time.Duration
	// PodCIDR is the range pod IPs come from until SetPodCIDR; required.
	PodCIDR string
	// Clock times starts and stops (the real clock).
	Clock clock.WithTickerAndDelayedExecution
}

// Runtime is a simulated runtime for one node. It is safe for concurrent
// use.
type Runtime struct {
	cfg Config

	mu     sync.Mutex
	notify func(types.UID)
	ipnet  *net.IPNet
	used   map[string]bool // allocated IPs
	pods   map[types.UID]*pod
	byName map[string]types.UID // namespace/name -> uid
	seq    int
}

// pod is the simulated state of one pod.
type pod struct {
	key          string
	sandbox      kubelet.Sandbox
	containers   map[string]*kubelet.ContainerStatus
	crashOnStart map[string]int32
	notReady     map[string]bool
	// usage is SetUsage's per container; defaultUsage comes from the
	// pod's annotations; meters integrate the CPU of running instances.
	usage        map[string]usage
	defaultUsage usage
	meters       map[string]*cpuMeter
	// logs holds the log of each container's latest instance, by name.
	logs map[string]*containerLog
}

// New returns a runtime handing out pod IPs from cfg.PodCIDR.
func New(cfg Config) (*Runtime, error) {
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	_, ipnet, err := net.ParseCIDR(cfg.PodCIDR)
	if err != nil {
		return nil, fmt.Errorf("pod cidr: %w", err)
	}
	return &Runtime{
		cfg: cfg, ipnet: ipnet, used: map[string]bool{},
		pods: map[types.UID]*pod{}, byName: map[string]types.UID{},
		notify: func(types.UID) {},
	}, nil
}

// NodeCIDR is the pod range of the hollow node with index n when the node
// has no spec.podCIDR: 10.42.<n>.0/24 for n < 256, then 10.44.0.0/24 and
// on (10.43/16 is the Service range).
func NodeCIDR(n int) string {
	second := 42 + n/256
	if second >= 43 {
		second++
	}
	return fmt.Sprintf("10.%d.%d.0/24", second, n%256)
}

// Version implements kubelet.Runtime.
func (r *Runtime) Version() string { return Version }

// SetNotify implements kubelet.Runtime.
func (r *Runtime) SetNotify(fn func(types.UID)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notify = fn
}

// SetPodCIDR implements kubelet.Runtime: new sandboxes take IPs from cidr.
func (r *Runtime) SetPodCIDR(cidr string) error {
	_, ipnet, err := net.ParseCIDR(cidr)
	if err != nil {
		return fmt.Errorf("pod cidr: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ipnet = ipnet
	return nil
}

// RunSandbox implements kubelet.Runtime.
func (r *Runtime) RunSandbox(_ context.Context, p *corev1.Pod) (kubelet.Sandbox, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if sp, ok := r.pods[p.UID]; ok {
		return sp.sandbox, nil
	}
	ip, err := r.allocate()
	if err != nil {
		return kubelet.Sandbox{}, err
	}
	r.seq++
	key := p.Namespace + "/" + p.Name
	defaultUsage, _ := usageOf(p) // an error stops StartContainer
	sp := &pod{
		key:          key,
		sandbox:      kubelet.Sandbox{ID: fmt.Sprintf("sandbox-%d", r.seq), IP: ip},
		containers:   map[string]*kubelet.ContainerStatus{},
		crashOnStart: map[string]int32{},
		notReady:     map[string]bool{},
		usage:        map[string]usage{},
		defaultUsage: defaultUsage,
		meters:       map[string]*cpuMeter{},
		logs:         map[string]*containerLog{},
	}
	if old, ok := r.byName[key]; ok {
		if prev := r.pods[old]; prev != nil {
			sp.crashOnStart, sp.notReady, sp.usage = prev.crashOnStart, prev.notReady, prev.usage
		}
	}
	r.pods[p.UID] = sp
	r.byName[key] = p.UID
	return sp.sandbox, nil
}

// allocate returns a free IP of the pod range, skipping the network
// address, the gateway (.1) and the broadcast address.
func (r *Runtime) allocate() (string, error) {
	ones, bits := r.ipnet.Mask.Size()
	size := 1 << (bits - ones)
	base := r.ipnet.IP.To4()
	if base == nil {
		return "", apierrors.NewBadRequest("sim runtime: only IPv4 pod ranges")
	}
	for i := 2; i < size-1; i++ {
		ip := net.IPv4(base[0], base[1], base[2], base[3]).To4()
		v := uint32(ip[0])<<24 | uint32(ip[1])<<16 | uint32(ip[2])<<8 | uint32(ip[3]) + uint32(i)
		s := net.IPv4(byte(v>>24), byte(v>>16), byte(v>>8), byte(v)).String()
		if !r.used[s] {
			r.used[s] = true
			return s, nil
		}
	}
	return "", apierrors.NewServiceUnavailable(fmt.Sprintf("sim runtime: pod range %s is full", r.ipnet))
}

// PodStatus implements kubelet.Runtime.
func (r *Runtime) PodStatus(uid types.UID) (kubelet.PodStatus, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	sp, ok := r.pods[uid]
	if !ok {
		return kubelet.PodStatus{}, false
	}
	out := kubelet.PodStatus{Sandbox: sp.sandbox, Containers: make(map[string]kubelet.ContainerStatus, len(sp.containers))}
	for name, c := range sp.containers {
		cs := *c
		cs.Ready = c.State == kubelet.ContainerRunning && !sp.notReady[name]
		if c.Previous != nil {
			prev := *c.Previous
			cs.Previous = &prev
		}
		out.Containers[name] = cs
	}
	return out, true
}

// RemovePod implements kubelet.Runtime.
func (r *Runtime) RemovePod(_ context.Context, uid types.UID) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	sp, ok := r.pods[uid]
	if !ok {
		return nil
	}
	for _, l := range sp.logs {
		l.end()
	}
	delete(r.used, sp.sandbox.IP)
	delete(r.pods, uid)
	if r.byName[sp.key] == uid {
		delete(r.byName, sp.key)
	}
	return nil
}

// PodCount is the number of pods the runtime holds.
func (r *Runtime) PodCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pods)
}
