package nodelifecycle

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/skiff-dev/skiff/internal/controller"
)

// evictor is the taint eviction loop, keyed by pod.
type evictor struct {
	cfg      Config
	nodes    corelisters.NodeLister
	pods     corelisters.PodLister
	byNode   cache.Indexer
	recorder record.EventRecorder
	log      *slog.Logger

	mu        sync.Mutex
	scheduled map[string]time.Time // "ns/name" -> when its eviction was first scheduled
}

// nodeHandler enqueues the pods of a node whose NoExecute taints changed.
func (e *evictor) nodeHandler(c *controller.Controller) cache.ResourceEventHandler {
	enqueue := func(name string) {
		objs, err := e.byNode.ByIndex(podNodeIndex, name)
		if err != nil {
			return
		}
		for _, o := range objs {
			p := o.(*corev1.Pod)
			c.Enqueue(controller.Request{Namespace: p.Namespace, Name: p.Name})
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if n, ok := obj.(*corev1.Node); ok && len(noExecuteTaints(n)) > 0 {
				enqueue(n.Name)
			}
		},
		UpdateFunc: func(oldObj, newObj any) {
			o, n := oldObj.(*corev1.Node), newObj.(*corev1.Node)
			if !apiequality.Semantic.DeepEqual(noExecuteTaints(o), noExecuteTaints(n)) {
				enqueue(n.Name)
			}
		},
	}
}

// podHandler enqueues bound pods as they change.
func (e *evictor) podHandler(c *controller.Controller) cache.ResourceEventHandler {
	return c.MapHandler(func(obj metav1.Object) []controller.Request {
		if p, ok := obj.(*corev1.Pod); ok && p.Spec.NodeName == "" {
			return nil
		}
		return []controller.Request{{Namespace: obj.GetNamespace(), Name: obj.GetName()}}
	})
}

// Reconcile deletes the pod if its node's NoExecute taints are not
// tolerated (long enough), or requeues it for when they stop being.
func (e *evictor) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	key := req.String()
	pod, err := e.pods.Pods(req.Namespace).Get(req.Name)
	if apierrors.IsNotFound(err) {
		e.forget(key, false)
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, err
	}
	if pod.Spec.NodeName == "" || pod.DeletionTimestamp != nil {
		e.forget(key, false)
		return controller.Result{}, nil
	}
	node, err := e.nodes.Get(pod.Spec.NodeName)
	if apierrors.IsNotFound(err) {
		e.forget(key, true) // the pod GC handles pods of deleted nodes
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, err
	}
	taints := noExecuteTaints(node)
	if len(taints) == 0 {
		e.forget(key, true)
		return controller.Result{}, nil
	}
	delay, forever := evictionDelay(taints, pod.Spec.Tolerations)
	if forever {
		e.forget(key, true)
		return controller.Result{}, nil
	}
	now := e.cfg.Now()
	e.mu.Lock()
	since, ok := e.scheduled[key]
	if !ok {
		since = now
		e.scheduled[key] = now
	}
	e.mu.Unlock()
	if left := since.Add(delay).Sub(now); left > 0 {
		return controller.Result{RequeueAfter: left}, nil
	}
	return controller.Result{}, e.evict(ctx, pod, key)
}

// forget drops a scheduled eviction; cancel records the event upstream
// records when a scheduled deletion is called off.
func (e *evictor) forget(key string, cancel bool) {
	e.mu.Lock()
	_, ok := e.scheduled[key]
	delete(e.scheduled, key)
	e.mu.Unlock()
	if ok && cancel {
		ns, name, _ := cache.SplitMetaNamespaceKey(key)
		e.recorder.Eventf(&corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: name}, corev1.EventTypeNormal,
			"TaintManagerEviction", "Cancelling deletion of Pod %s", key)
	}
}

// evict records the event, writes the DisruptionTarget condition and
// deletes the pod, as upstream's taint eviction controller.
func (e *evictor) evict(ctx context.Context, pod *corev1.Pod, key string) error {
	e.recorder.Eventf(pod, corev1.EventTypeNormal, "TaintManagerEviction", "Marking for deletion Pod %s", key)
	patch, err := json.Marshal(map[string]any{"status": map[string]any{"conditions": []corev1.PodCondition{{
		Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(e.cfg.Now()),
		Reason: "DeletionByTaintManager", Message: "Taint manager: deleting due to NoExecute taint",
	}}}})
	if err != nil {
		return err
	}
	pods := e.cfg.Client.CoreV1().Pods(pod.Namespace)
	if _, err := pods.Patch(ctx, pod.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status"); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("add DisruptionTarget to pod %s: %w", key, err)
	}
	uid := pod.UID
	err = pods.Delete(ctx, pod.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("delete pod %s: %w", key, err)
	}
	e.log.Info("evicted pod from tainted node", "pod", key, "node", pod.Spec.NodeName)
	e.forget(key, false)
	return nil
}
