package nodelifecycle

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	coordlisters "k8s.io/client-go/listers/coordination/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/skiff-dev/skiff/internal/controller"
)

// leaseNamespace holds the node Leases.
const leaseNamespace = "kube-node-lease"

// monitorPeriod bounds how long a node waits between passes while it is
// not healthy (upstream's --node-monitor-period).
const monitorPeriod = 5 * time.Second

func leaseToNode(obj metav1.Object) []controller.Request {
	if obj.GetNamespace() != leaseNamespace {
		return nil
	}
	return []controller.Request{{Name: obj.GetName()}}
}

// monitor is the node health loop.
type monitor struct {
	cfg      Config
	nodes    corelisters.NodeLister
	leases   coordlisters.LeaseLister
	pods     cache.Indexer
	recorder record.EventRecorder
	log      *slog.Logger

	mu        sync.Mutex
	health    map[string]*health
	lastTaint map[string]time.Time // zone -> when it last got a new NoExecute taint
}

// Reconcile observes one node, marks it Unknown when silent, marks its
// pods not ready and keeps its taints.
func (m *monitor) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	node, err := m.nodes.Get(req.Name)
	if apierrors.IsNotFound(err) {
		m.mu.Lock()
		delete(m.health, req.Name)
		m.mu.Unlock()
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, err
	}
	lease, err := m.leases.Leases(leaseNamespace).Get(node.Name)
	if err != nil && !apierrors.IsNotFound(err) {
		return controller.Result{}, err
	}
	now := m.cfg.Now()
	m.mu.Lock()
	prev := m.health[node.Name]
	h := observe(prev, node, lease, now)
	m.health[node.Name] = &h
	m.mu.Unlock()

	isStale, left := stale(node, h.probe, now, m.cfg.GracePeriod, m.cfg.StartupGracePeriod)
	if isStale {
		if node, err = m.markUnknown(ctx, node, now); err != nil {
			return controller.Result{}, err
		}
	}
	ready := readyStatus(node)
	wasReady := prev != nil && prev.ready == corev1.ConditionTrue
	if ready != corev1.ConditionTrue && (wasReady || ready == corev1.ConditionUnknown) {
		if wasReady {
			m.recorder.Eventf(nodeRef(node.Name), corev1.EventTypeNormal, "NodeNotReady", "Node %s status is now: %s", node.Name, "NodeNotReady")
		}
		if err := m.markPodsNotReady(ctx, node.Name, now); err != nil {
			return controller.Result{}, err
		}
	}
	m.mu.Lock()
	m.health[node.Name].ready = ready
	m.mu.Unlock()
	wait, err := m.syncTaints(ctx, node, now)
	if err != nil {
		return controller.Result{}, err
	}
	switch {
	case wait > 0:
		return controller.Result{RequeueAfter: wait}, nil
	case ready != corev1.ConditionTrue:
		return controller.Result{RequeueAfter: monitorPeriod}, nil
	case !isStale:
		return controller.Result{RequeueAfter: left + 10*time.Millisecond}, nil
	}
	return controller.Result{}, nil
}

// markUnknown writes the Unknown conditions of a silent node.
func (m *monitor) markUnknown(ctx context.Context, node *corev1.Node, now time.Time) (*corev1.Node, error) {
	conds, changed := markUnknown(node, metav1.NewTime(now))
	if !changed {
		return node, nil
	}
	upd := node.DeepCopy()
	upd.Status.Conditions = conds
	out, err := m.cfg.Client.CoreV1().Nodes().UpdateStatus(ctx, upd, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("mark node %s unknown: %w", node.Name, err)
	}
	m.log.Info("node stopped posting status", "node", node.Name)
	return out, nil
}

// markPodsNotReady sets the Ready condition of the pods on a node to
// False, as upstream's MarkPodsNotReady.
func (m *monitor) markPodsNotReady(ctx context.Context, nodeName string, now time.Time) error {
	objs, err := m.pods.ByIndex(podNodeIndex, nodeName)
	if err != nil {
		return err
	}
	for _, o := range objs {
		pod := o.(*corev1.Pod)
		i := podReadyIndex(pod)
		if i < 0 || pod.Status.Conditions[i].Status == corev1.ConditionFalse {
			continue
		}
		upd := pod.DeepCopy()
		upd.Status.Conditions[i].Status = corev1.ConditionFalse
		upd.Status.Conditions[i].LastTransitionTime = metav1.NewTime(now)
		out, err := m.cfg.Client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, upd, metav1.UpdateOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("mark pod %s/%s not ready: %w", pod.Namespace, pod.Name, err)
		}
		m.recorder.Event(out, corev1.EventTypeWarning, "NodeNotReady", "Node is not ready")
	}
	return nil
}

func podReadyIndex(pod *corev1.Pod) int {
	for i, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return i
		}
	}
	return -1
}

// syncTaints brings the node's taints to wantTaints; wait is positive
// when a new NoExecute taint waits for the zone's rate limiter.
func (m *monitor) syncTaints(ctx context.Context, node *corev1.Node, now time.Time) (wait time.Duration, err error) {
	policy := noExecuteAdd
	if needsNoExecute(node) {
		policy, wait = m.admitNoExecute(node, now)
	}
	want := wantTaints(node, metav1.NewTime(now), policy)
	if sameTaints(want, node.Spec.Taints) {
		return wait, nil
	}
	upd := node.DeepCopy()
	upd.Spec.Taints = want
	if _, err := m.cfg.Client.CoreV1().Nodes().Update(ctx, upd, metav1.UpdateOptions{}); err != nil {
		return 0, fmt.Errorf("taint node %s: %w", node.Name, err)
	}
	return wait, nil
}

// admitNoExecute decides whether a not-Ready node may get its NoExecute
// taint now: the zone states and the zone's rate limiter decide; wait is
// when to ask again.
func (m *monitor) admitNoExecute(node *corev1.Node, now time.Time) (noExecutePolicy, time.Duration) {
	all, err := m.nodes.List(labels.Everything())
	if err != nil {
		return noExecuteKeep, monitorPeriod
	}
	type counts struct{ ready, notReady int }
	zones := map[string]*counts{}
	for _, n := range all {
		z := zones[zoneKey(n)]
		if z == nil {
			z = &counts{}
			zones[zoneKey(n)] = z
		}
		if readyStatus(n) == corev1.ConditionTrue {
			z.ready++
		} else {
			z.notReady++
		}
	}
	states := map[string]zoneState{}
	for k, z := range zones {
		states[k] = computeZoneState(z.ready, z.notReady)
	}
	zone := zoneKey(node)
	size := 0
	if z := zones[zone]; z != nil {
		size = z.ready + z.notReady
	}
	policy := policyFor(states, zone, size)
	if policy != noExecuteAdd {
		return policy, monitorPeriod
	}
	interval := time.Duration(float64(time.Second) / m.cfg.EvictionQPS)
	m.mu.Lock()
	defer m.mu.Unlock()
	if last, ok := m.lastTaint[zone]; ok && now.Sub(last) < interval {
		return noExecuteKeep, interval - now.Sub(last)
	}
	m.lastTaint[zone] = now
	return noExecuteAdd, 0
}

// nodeRef is how upstream refers to a Node in events.
func nodeRef(name string) *corev1.ObjectReference {
	return &corev1.ObjectReference{Kind: "Node", Name: name, UID: types.UID(name)}
}
