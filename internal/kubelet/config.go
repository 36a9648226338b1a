package kubelet

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	goruntime "runtime"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
)

// Upstream's defaults for heartbeats and node status.
const (
	DefaultLeaseRenewInterval   = 10 * time.Second
	DefaultLeaseDuration        = 40 * time.Second
	DefaultStatusReportInterval = 5 * time.Minute
	// NodeLeaseNamespace holds one Lease per node.
	NodeLeaseNamespace = "kube-node-lease"
	// KubeletVersion is the kubeletVersion every node reports.
	KubeletVersion = "v1.33.0-skiff"
	// DefaultMaxPods is upstream's default pod capacity.
	DefaultMaxPods = 110
)

// Config is what one kubelet needs. Zero fields take the defaults
// validate documents.
type Config struct {
	// NodeName names the Node and its Lease; required.
	NodeName string
	// Client reaches the API; required.
	Client kubernetes.Interface
	// Runtime runs the pods; required.
	Runtime Runtime
	// NodeIP is the InternalIP address the node advertises; required.
	NodeIP string
	// Capacity is the node's capacity; cpu 4, memory 16Gi, pods 110 and
	// ephemeral-storage 100Gi when unset (each resource separately).
	Capacity corev1.ResourceList
	// Allocatable defaults to Capacity.
	Allocatable corev1.ResourceList
	// InstanceType is node.kubernetes.io/instance-type ("skiff").
	InstanceType string
	// Labels are added to the well-known node labels.
	Labels map[string]string
	// Port is the port of the kubelet's HTTPS API that the Node advertises
	// (status.daemonEndpoints.kubeletEndpoint); 0 when it serves none.
	Port int32
	// Arch is kubernetes.io/arch (runtime.GOARCH).
	Arch string
	// LeaseRenewInterval (10 s), LeaseDuration (40 s) and
	// StatusReportInterval (5 min) are upstream's heartbeat timings.
	LeaseRenewInterval   time.Duration
	LeaseDuration        time.Duration
	StatusReportInterval time.Duration
	// Events, when set, records the kubelet's events about its pods (a
	// recorder whose source is this node's kubelet), as upstream's: a pod
	// refused by admission, a pod past its active deadline, and per
	// container Created, Started, Failed (it would not start), Killing
	// (stopped with its pod) and BackOff (held in CrashLoopBackOff). Image
	// events (Pulling, Pulled) come with a runtime that has images.
	Events record.EventRecorder
	// Clock drives heartbeats, back-off and timestamps (the real clock).
	Clock clock.WithTicker
	// Logger (slog.Default()).
	Logger *slog.Logger
}

func (c *Config) validate() error {
	if c.NodeName == "" {
		return errors.New("node name is required")
	}
	if c.Client == nil {
		return errors.New("client is required")
	}
	if c.Runtime == nil {
		return errors.New("runtime is required")
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("kubelet port %d: out of range", c.Port)
	}
	if net.ParseIP(c.NodeIP) == nil {
		return fmt.Errorf("node ip %q: not an IP address", c.NodeIP)
	}
	c.Capacity = withDefaults(c.Capacity)
	if c.Allocatable == nil {
		c.Allocatable = c.Capacity.DeepCopy()
	}
	if c.InstanceType == "" {
		c.InstanceType = "skiff"
	}
	if c.Arch == "" {
		c.Arch = goruntime.GOARCH
	}
	if c.LeaseRenewInterval <= 0 {
		c.LeaseRenewInterval = DefaultLeaseRenewInterval
	}
	if c.LeaseDuration <= 0 {
		c.LeaseDuration = DefaultLeaseDuration
	}
	if c.LeaseDuration < c.LeaseRenewInterval {
		return fmt.Errorf("lease duration %s is shorter than the renew interval %s", c.LeaseDuration, c.LeaseRenewInterval)
	}
	if c.StatusReportInterval <= 0 {
		c.StatusReportInterval = DefaultStatusReportInterval
	}
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// withDefaults fills the resources a node must report.
func withDefaults(in corev1.ResourceList) corev1.ResourceList {
	out := in.DeepCopy()
	if out == nil {
		out = corev1.ResourceList{}
	}
	defaults := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse("4"),
		corev1.ResourceMemory:           resource.MustParse("16Gi"),
		corev1.ResourcePods:             *resource.NewQuantity(DefaultMaxPods, resource.DecimalSI),
		corev1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
	}
	for name, q := range defaults {
		if _, ok := out[name]; !ok {
			out[name] = q
		}
	}
	return out
}
