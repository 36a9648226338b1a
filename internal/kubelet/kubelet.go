package kubelet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Kubelet is the agent of one node. Register and Heartbeat are called by
// one driver goroutine; HandleNode, HandlePod and HandlePodDeleted may be
// called from any goroutine; RunPods runs the pod workers.
type Kubelet struct {
	cfg Config
	log *slog.Logger

	// heartbeat state, owned by the Register/Heartbeat caller.
	lease      *coordinationv1.Lease
	lastLease  time.Time
	lastStatus time.Time

	mu   sync.Mutex
	node *corev1.Node // latest Node seen; nil before Register
	cidr string       // pod CIDR handed to the runtime
	// cidrKnown is closed once a pod CIDR reaches the kubelet.
	cidrKnown chan struct{}
	// cidrReadAt is when ensurePodCIDR last read the Node.
	cidrReadAt time.Time
	// registeredAt is when Register last created or adopted the Node.
	registeredAt time.Time
	workers      map[types.UID]*podWorker
	queue        []podEvent // pod events not yet taken by RunPods
	signal       chan struct{}

	// nodeCPU keeps the node's CPU counter of Summary monotonic.
	nodeCPU nodeCPU
}

// podEvent is a pod update (or deletion) for RunPods.
type podEvent struct {
	pod     *corev1.Pod
	deleted bool
}

// New returns the kubelet of cfg.NodeName; it does nothing until driven.
func New(cfg Config) (*Kubelet, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("kubelet config: %w", err)
	}
	k := &Kubelet{
		cfg:       cfg,
		log:       cfg.Logger.With("node", cfg.NodeName),
		workers:   map[types.UID]*podWorker{},
		signal:    make(chan struct{}, 1),
		cidrKnown: make(chan struct{}),
	}
	cfg.Runtime.SetNotify(k.wake)
	return k, nil
}

// NodeName is the name of the node this kubelet runs.
func (k *Kubelet) NodeName() string { return k.cfg.NodeName }

// Register creates the Node, or brings an existing one's labels up to
// date, and writes its first status and Lease.
func (k *Kubelet) Register(ctx context.Context) error {
	nodes := k.cfg.Client.CoreV1().Nodes()
	want := newNode(&k.cfg, k.cfg.Runtime.Version())
	node, err := nodes.Create(ctx, want, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		node, err = k.adoptNode(ctx, want)
	}
	if err != nil {
		return fmt.Errorf("register node %s: %w", k.cfg.NodeName, err)
	}
	k.mu.Lock()
	k.registeredAt = k.cfg.Clock.Now()
	k.mu.Unlock()
	k.HandleNode(node)
	return k.Heartbeat(ctx)
}

// adoptNode updates the labels of a Node registered before.
func (k *Kubelet) adoptNode(ctx context.Context, want *corev1.Node) (*corev1.Node, error) {
	nodes := k.cfg.Client.CoreV1().Nodes()
	node, err := nodes.Get(ctx, want.Name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	changed := false
	if node.Labels == nil {
		node.Labels = map[string]string{}
	}
	for key, v := range want.Labels {
		if node.Labels[key] != v {
			node.Labels[key], changed = v, true
		}
	}
	if !changed {
		return node, nil
	}
	return nodes.Update(ctx, node, metav1.UpdateOptions{})
}

// HandleNode takes a newer copy of the kubelet's Node (from an informer);
// it hands a newly assigned spec.podCIDR to the runtime.
func (k *Kubelet) HandleNode(node *corev1.Node) {
	if node.Name != k.cfg.NodeName {
		return
	}
	k.mu.Lock()
	if k.node != nil && k.node.ResourceVersion == node.ResourceVersion {
		k.mu.Unlock()
		return
	}
	k.node = node
	cidr := node.Spec.PodCIDR
	changed := cidr != "" && cidr != k.cidr
	if changed {
		if k.cidr == "" {
			close(k.cidrKnown)
		}
		k.cidr = cidr
	}
	k.mu.Unlock()
	if changed {
		if err := k.cfg.Runtime.SetPodCIDR(cidr); err != nil {
			k.log.Error("set pod cidr", "cidr", cidr, "err", err)
		}
	}
}

// podCIDRWait is how long after registration a sandbox waits for the
// node's pod range: node IPAM assigns one moments after the Node is
// created. A node still without one after that expects none (no IPAM, or
// more nodes than ranges, as 1,000 hollow nodes in a /16 cut into /24s):
// its pods take the runtime's own range, and the Node watch brings a later
// assignment.
const podCIDRWait = 10 * time.Second

// podCIDRReadDue reports whether a sandbox made at now should first read
// the Node for its pod range: only while none is known, only in the
// podCIDRWait after registration, and at most once a second.
func podCIDRReadDue(known bool, registered, lastRead, now time.Time) bool {
	if known || registered.IsZero() || now.Sub(registered) >= podCIDRWait {
		return false
	}
	return now.Sub(lastRead) >= time.Second
}

// ensurePodCIDR holds a sandbox back, in the podCIDRWait after
// registration, until the node's pod range has reached the kubelet, so that
// its pod's address comes from that range: a pod given one outside it
// keeps it. The range comes through the Node watch (HandleNode), and the
// Node is read too, at most once a second (podCIDRReadDue), should the
// watch lag. Upstream's kubelet likewise makes no sandbox while its
// network waits for a pod CIDR. Once a range is known, or the wait is over,
// pod starts pay nothing here.
func (k *Kubelet) ensurePodCIDR(ctx context.Context) {
	for {
		now := k.cfg.Clock.Now()
		k.mu.Lock()
		known, registered := k.cidr != "", k.registeredAt
		due := podCIDRReadDue(known, registered, k.cidrReadAt, now)
		if due {
			k.cidrReadAt = now
		}
		k.mu.Unlock()
		left := podCIDRWait - now.Sub(registered)
		if known || registered.IsZero() || left <= 0 {
			return
		}
		if due {
			node, err := k.cfg.Client.CoreV1().Nodes().Get(ctx, k.cfg.NodeName, metav1.GetOptions{})
			if err == nil {
				k.HandleNode(node)
				continue
			}
			k.log.Warn("read node for its pod CIDR", "err", err)
		}
		select {
		case <-k.cidrKnown:
			return
		case <-ctx.Done():
			return
		case <-k.cfg.Clock.After(min(left, time.Second)):
		}
	}
}

// Heartbeat renews the Lease when due (every LeaseRenewInterval) and writes
// the node status when due (every StatusReportInterval or on change).
func (k *Kubelet) Heartbeat(ctx context.Context) error {
	now := k.cfg.Clock.Now()
	var errs []error
	if leaseDue(k.lastLease, now, k.cfg.LeaseRenewInterval) {
		if err := k.renewLease(ctx, now); err != nil {
			errs = append(errs, fmt.Errorf("renew lease: %w", err))
		}
	}
	if err := k.syncNodeStatus(ctx, now); err != nil {
		errs = append(errs, fmt.Errorf("node status: %w", err))
	}
	return errors.Join(errs...)
}

func (k *Kubelet) renewLease(ctx context.Context, now time.Time) error {
	leases := k.cfg.Client.CoordinationV1().Leases(NodeLeaseNamespace)
	if k.lease == nil {
		l, err := leases.Get(ctx, k.cfg.NodeName, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return err
		default:
			k.lease = l
		}
	}
	want := renewLease(k.lease, k.cfg.NodeName, k.nodeUID(), k.cfg.LeaseDuration, now)
	var out *coordinationv1.Lease
	var err error
	if k.lease == nil {
		out, err = leases.Create(ctx, want, metav1.CreateOptions{})
	} else {
		out, err = leases.Update(ctx, want, metav1.UpdateOptions{})
	}
	if err != nil {
		k.lease = nil // read it again next time
		return err
	}
	k.lease, k.lastLease = out, now
	return nil
}

func (k *Kubelet) nodeUID() types.UID {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.node == nil {
		return ""
	}
	return k.node.UID
}

// syncNodeStatus writes the node status if nodeStatusDue says so.
func (k *Kubelet) syncNodeStatus(ctx context.Context, now time.Time) error {
	k.mu.Lock()
	node := k.node
	k.mu.Unlock()
	if node == nil {
		return errors.New("node not registered")
	}
	want := k.wantStatus(node, now)
	if !nodeStatusDue(k.lastStatus, now, k.cfg.StatusReportInterval, nodeStatusChanged(node.Status, want)) {
		return nil
	}
	nodes := k.cfg.Client.CoreV1().Nodes()
	for attempt := 0; ; attempt++ {
		upd := node.DeepCopy()
		upd.Status = want
		out, err := nodes.UpdateStatus(ctx, upd, metav1.UpdateOptions{})
		if err == nil {
			k.HandleNode(out)
			k.lastStatus = now
			return nil
		}
		if !apierrors.IsConflict(err) || attempt == 2 {
			return err
		}
		if node, err = nodes.Get(ctx, k.cfg.NodeName, metav1.GetOptions{}); err != nil {
			return err
		}
		k.HandleNode(node)
		want = k.wantStatus(node, now)
	}
}

// wantStatus is the node's status at now: node's own fields, with what the
// kubelet owns replaced.
func (k *Kubelet) wantStatus(node *corev1.Node, now time.Time) corev1.NodeStatus {
	want := node.Status.DeepCopy()
	own := desiredNodeStatus(&k.cfg, k.cfg.Runtime.Version())
	want.Capacity, want.Allocatable, want.Addresses = own.Capacity, own.Allocatable, own.Addresses
	want.NodeInfo, want.DaemonEndpoints = own.NodeInfo, own.DaemonEndpoints
	want.Conditions = nodeConditions(node.Status.Conditions, nodeHealth{RuntimeReady: true}, now)
	return *want
}
