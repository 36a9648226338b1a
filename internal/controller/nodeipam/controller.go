package nodeipam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/skiff-dev/skiff/internal/controller"
)

// Config is what the node IPAM controller needs.
type Config struct {
	Client  kubernetes.Interface
	Factory informers.SharedInformerFactory
	// ClusterCIDR is the pod range to cut; 10.42.0.0/16 when empty.
	ClusterCIDR string
	// NodeCIDRMaskSize is the prefix length of each node's range; 24 (64
	// for an IPv6 cluster CIDR) when zero.
	NodeCIDRMaskSize int
	Logger           *slog.Logger
}

func (c *Config) validate() (*cidrSet, error) {
	if c.Client == nil || c.Factory == nil {
		return nil, errors.New("nodeipam: client and informer factory are required")
	}
	if c.ClusterCIDR == "" {
		c.ClusterCIDR = "10.42.0.0/16"
	}
	_, cluster, err := net.ParseCIDR(c.ClusterCIDR)
	if err != nil {
		return nil, fmt.Errorf("--cluster-cidr: %w", err)
	}
	if c.NodeCIDRMaskSize == 0 {
		c.NodeCIDRMaskSize = 24
		if cluster.IP.To4() == nil {
			c.NodeCIDRMaskSize = 64
		}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	set, err := newCIDRSet(cluster, c.NodeCIDRMaskSize)
	if err != nil {
		return nil, fmt.Errorf("--node-cidr-mask-size: %w", err)
	}
	return set, nil
}

// Controller is the node IPAM controller.
type Controller struct {
	loop   *controller.Controller
	nodes  corelisters.NodeLister
	synced cache.InformerSynced
	events *controller.Events
	r      *reconciler
}

type reconciler struct {
	client   kubernetes.Interface
	nodes    corelisters.NodeLister
	recorder record.EventRecorder
	log      *slog.Logger

	mu     sync.Mutex
	set    *cidrSet
	byNode map[string]string // node name -> the CIDR it holds
	owner  map[string]string // CIDR -> node name
}

// New returns the controller; it registers the node informer on
// cfg.Factory and fails on a bad cluster CIDR or mask size.
func New(cfg Config) (*Controller, error) {
	set, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	inf := cfg.Factory.Core().V1().Nodes()
	events := controller.NewEvents(cfg.Client, "cidrAllocator")
	r := &reconciler{
		client: cfg.Client, nodes: inf.Lister(), log: cfg.Logger.With("controller", "nodeipam"),
		recorder: events,
		set:      set, byNode: map[string]string{}, owner: map[string]string{},
	}
	// Nodes are patched by 30 workers, as upstream's range allocator does
	// (cidrUpdateWorkers): a kubelet holds its first pods back until its
	// range arrives, so a thousand nodes joining at once must not wait
	// for one patch after another.
	loop := controller.New(controller.Config{Name: "nodeipam", Reconciler: r, Workers: 30,
		Synced: []cache.InformerSynced{inf.Informer().HasSynced}, Logger: cfg.Logger})
	if _, err := controller.AddHandler(cfg.Factory, inf.Informer(), loop.Handler()); err != nil {
		return nil, err
	}
	return &Controller{loop: loop, nodes: inf.Lister(), synced: inf.Informer().HasSynced, events: events, r: r}, nil
}

// Name is "nodeipam".
func (c *Controller) Name() string { return "nodeipam" }

// Run rebuilds the taken subnets from the existing Nodes once the cache
// has synced, then reconciles until ctx ends.
func (c *Controller) Run(ctx context.Context) error {
	defer c.events.Shutdown()
	if !controller.WaitSynced(ctx, c.synced) {
		return fmt.Errorf("nodeipam: caches did not sync: %w", ctx.Err())
	}
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return err
	}
	c.r.occupyExisting(nodes)
	return c.loop.Run(ctx)
}

// occupyExisting records the CIDRs Nodes already hold.
func (r *reconciler) occupyExisting(nodes []*corev1.Node) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range nodes {
		if n.Spec.PodCIDR != "" {
			r.record(n.Name, n.Spec.PodCIDR)
		}
	}
}

// record marks cidr taken by node; the caller holds mu.
func (r *reconciler) record(node, cidr string) bool {
	if holder, ok := r.owner[cidr]; ok && holder != node {
		r.log.Error("node holds a pod cidr another node holds", "node", node, "cidr", cidr, "holder", holder)
		return false
	}
	if err := r.set.occupy(cidr); err != nil {
		r.log.Info("node pod cidr not in the cluster cidr; left alone", "node", node, "cidr", cidr, "err", err)
		return false
	}
	r.byNode[node], r.owner[cidr] = cidr, node
	return true
}

// releaseNode frees the subnet of a deleted node; the caller holds mu.
func (r *reconciler) releaseNode(node string) {
	cidr, ok := r.byNode[node]
	if !ok {
		return
	}
	delete(r.byNode, node)
	delete(r.owner, cidr)
	if err := r.set.release(cidr); err != nil {
		r.log.Error("release pod cidr", "node", node, "cidr", cidr, "err", err)
	}
}

// Reconcile records, assigns or releases the subnet of one Node.
func (r *reconciler) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	node, err := r.nodes.Get(req.Name)
	r.mu.Lock()
	if apierrors.IsNotFound(err) {
		r.releaseNode(req.Name)
		r.mu.Unlock()
		return controller.Result{}, nil
	}
	if err != nil {
		r.mu.Unlock()
		return controller.Result{}, err
	}
	if node.Spec.PodCIDR != "" {
		if r.byNode[node.Name] != node.Spec.PodCIDR {
			r.releaseNode(node.Name)
			r.record(node.Name, node.Spec.PodCIDR)
		}
		r.mu.Unlock()
		return controller.Result{}, nil
	}
	cidr, held := r.byNode[node.Name]
	if !held {
		cidr, err = r.set.allocate()
		if err != nil {
			r.mu.Unlock()
			r.recorder.Eventf(nodeRef(node.Name), corev1.EventTypeNormal, "CIDRNotAvailable", "Node %s status is now: %s", node.Name, "CIDRNotAvailable")
			return controller.Result{}, fmt.Errorf("allocate pod cidr for node %s: %w", node.Name, err)
		}
		r.byNode[node.Name], r.owner[cidr] = cidr, node.Name
	}
	r.mu.Unlock()
	if err := r.patch(ctx, node.Name, cidr); err != nil {
		if apierrors.IsNotFound(err) {
			return controller.Result{Requeue: true}, nil // released on the next pass
		}
		r.recorder.Eventf(nodeRef(node.Name), corev1.EventTypeNormal, "CIDRAssignmentFailed", "Node %s status is now: %s", node.Name, "CIDRAssignmentFailed")
		return controller.Result{}, fmt.Errorf("set pod cidr of node %s: %w", node.Name, err)
	}
	r.log.Info("assigned pod cidr", "node", node.Name, "cidr", cidr)
	return controller.Result{}, nil
}

// patch writes spec.podCIDR and spec.podCIDRs.
func (r *reconciler) patch(ctx context.Context, node, cidr string) error {
	body, err := json.Marshal(map[string]any{"spec": map[string]any{"podCIDR": cidr, "podCIDRs": []string{cidr}}})
	if err != nil {
		return err
	}
	_, err = r.client.CoreV1().Nodes().Patch(ctx, node, types.StrategicMergePatchType, body, metav1.PatchOptions{})
	return err
}

// nodeRef is how upstream refers to a Node in events: its name stands in
// for the UID.
func nodeRef(name string) *corev1.ObjectReference {
	return &corev1.ObjectReference{Kind: "Node", Name: name, UID: types.UID(name)}
}
