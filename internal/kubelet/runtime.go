package kubelet

import (
	"context"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Runtime runs the pods of one node. The kubelet calls it from one
// goroutine per pod; an implementation must be safe for concurrent use on
// different pods. internal/runtime/sim is the simulated implementation.
type Runtime interface {
	// Version is the node's containerRuntimeVersion, e.g. "sim://1.0.0".
	Version() string
	// SetPodCIDR tells the runtime the node's pod range; sandboxes created
	// afterwards take their IP from it.
	SetPodCIDR(cidr string) error
	// SetNotify registers fn, called (without blocking) with a pod's UID
	// whenever its runtime state changes on its own: a container started,
	// exited or changed readiness.
	SetNotify(fn func(types.UID))
	// RunSandbox creates the pod's sandbox and gives it an IP. It is
	// idempotent: a second call returns the existing sandbox.
	RunSandbox(ctx context.Context, pod *corev1.Pod) (Sandbox, error)
	// StartContainer creates and starts container c of the pod (an init
	// container when init is true); the container's Attempt grows by one
	// on each start after the first. The sandbox must exist.
	StartContainer(ctx context.Context, pod *corev1.Pod, c *corev1.Container, init bool) error
	// StopPod stops every container of the pod, taking at most grace, and
	// returns once they are stopped.
	StopPod(ctx context.Context, pod *corev1.Pod, grace time.Duration) error
	// RemovePod forgets the pod and releases its IP.
	RemovePod(ctx context.Context, uid types.UID) error
	// PodStatus returns what the runtime knows of the pod; ok is false when
	// it knows nothing (no sandbox). The caller owns the returned value.
	PodStatus(uid types.UID) (status PodStatus, ok bool)
	// ContainerStats returns the resource usage of the pod's running
	// containers (none for a pod the runtime does not know). The caller
	// owns the returned slice.
	ContainerStats(uid types.UID) []ContainerStats
	// ContainerLog writes the log of the pod's container name to w: its
	// latest instance, or with opts.Previous the one before it. With
	// opts.Follow it goes on writing what the instance logs until the
	// instance exits, the pod is removed or ctx ends.
	ContainerLog(ctx context.Context, uid types.UID, name string, opts LogOptions, w io.Writer) error
}

// LogOptions select what ContainerLog writes. They apply as upstream's CRI
// log reader (pkg/kubelet/kuberuntime/logs) applies v1.PodLogOptions:
// TailLines picks the last lines of the log, SinceTime then drops the
// lines stamped before it, Timestamps prefixes each line with its time
// (LogTimeFormat, in UTC) and a space, and LimitBytes ends the output
// after that many bytes, possibly mid-line. With Follow, the lines the
// instance logs later are written too (after SinceTime and within
// LimitBytes; TailLines applies to the lines there at the start).
type LogOptions struct {
	Previous   bool
	Follow     bool
	Timestamps bool
	// SinceTime drops lines stamped before it; zero: from the start.
	SinceTime time.Time
	// TailLines is how many of the last lines to write; nil: all.
	TailLines *int64
	// LimitBytes stops the output after that many bytes; nil: no limit.
	LimitBytes *int64
}

// LogTimeFormat is the time format of the timestamps ContainerLog writes
// with LogOptions.Timestamps: upstream's RFC3339NanoFixed (RFC 3339 with
// all nine digits of nanoseconds), which its CRI log reader writes.
const LogTimeFormat = "2006-01-02T15:04:05.000000000Z07:00"

// ContainerStats is the resource usage of one running container, as the
// kubelet's Summary API and /metrics/resource report it.
type ContainerStats struct {
	Name string
	// CPUUsageCoreNanoSeconds is the CPU the container used since it
	// started, in core-nanoseconds (a cumulative counter).
	CPUUsageCoreNanoSeconds uint64
	// MemoryWorkingSetBytes is the container's memory working set.
	MemoryWorkingSetBytes uint64
	// StartTime is when the container started; Timestamp when the usage
	// was read.
	StartTime time.Time
	Timestamp time.Time
}

// Sandbox is a pod's sandbox: its id and IP.
type Sandbox struct {
	ID string
	IP string
}

// ContainerState is the state of one container instance.
type ContainerState int

// Container states, as CRI names them.
const (
	ContainerCreated ContainerState = iota
	ContainerRunning
	ContainerExited
)

// PodStatus is the runtime's view of a pod.
type PodStatus struct {
	Sandbox Sandbox
	// Containers holds the latest instance of each container (init or
	// not) that was ever started, by name.
	Containers map[string]ContainerStatus
}

// ContainerStatus is one container instance as the runtime reports it.
type ContainerStatus struct {
	Name    string
	ID      string
	Image   string
	ImageID string
	State   ContainerState
	// Attempt is 0 for the first instance and grows by one per restart.
	Attempt    int32
	CreatedAt  time.Time
	StartedAt  time.Time
	FinishedAt time.Time
	ExitCode   int32
	// Reason is why an exited container ended ("Completed", "Error").
	Reason string
	// Ready is the readiness probe's result (true without a probe).
	Ready bool
	// Previous is the instance before this one, if any, for lastState.
	Previous *ContainerStatus
}
