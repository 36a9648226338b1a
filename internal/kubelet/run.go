package kubelet

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
)

// HeartbeatTick is how often a driver should call Heartbeat; Heartbeat
// itself decides what is due.
const HeartbeatTick = time.Second

// Run runs a single node until ctx ends: it registers the node (retrying),
// watches the node and its pods (field selectors metadata.name and
// spec.nodeName), calls Heartbeat every HeartbeatTick and runs the pod
// workers.
func (k *Kubelet) Run(ctx context.Context) error {
	ticker := k.cfg.Clock.NewTicker(HeartbeatTick)
	defer ticker.Stop()
	for {
		err := k.Register(ctx)
		if err == nil {
			break
		}
		k.log.Error("register node", "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ticker.C():
		}
	}
	byNode := informers.NewSharedInformerFactoryWithOptions(k.cfg.Client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", k.cfg.NodeName).String()
		}))
	byName := informers.NewSharedInformerFactoryWithOptions(k.cfg.Client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("metadata.name", k.cfg.NodeName).String()
		}))
	if _, err := byNode.Core().V1().Pods().Informer().AddEventHandler(PodHandler(func(string) *Kubelet { return k })); err != nil {
		return err
	}
	if _, err := byName.Core().V1().Nodes().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { k.HandleNode(obj.(*corev1.Node)) },
		UpdateFunc: func(_, obj any) { k.HandleNode(obj.(*corev1.Node)) },
	}); err != nil {
		return err
	}
	byNode.StartWithContext(ctx)
	byName.StartWithContext(ctx)
	defer byNode.Shutdown()
	defer byName.Shutdown()
	done := make(chan struct{})
	go func() {
		defer close(done)
		k.RunPods(ctx)
	}()
	defer func() { <-done }()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C():
			if err := k.Heartbeat(ctx); err != nil && ctx.Err() == nil {
				k.log.Error("heartbeat", "err", err)
			}
		}
	}
}

// PodHandler routes pod informer events to the kubelet of the pod's
// spec.nodeName (lookup returns nil for nodes not run here), so that one
// informer can feed many kubelets.
func PodHandler(lookup func(nodeName string) *Kubelet) cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if pod, ok := obj.(*corev1.Pod); ok {
				if k := lookup(pod.Spec.NodeName); k != nil {
					k.HandlePod(pod)
				}
			}
		},
		UpdateFunc: func(_, obj any) {
			if pod, ok := obj.(*corev1.Pod); ok {
				if k := lookup(pod.Spec.NodeName); k != nil {
					k.HandlePod(pod)
				}
			}
		},
		DeleteFunc: func(obj any) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			if pod, ok := obj.(*corev1.Pod); ok {
				if k := lookup(pod.Spec.NodeName); k != nil {
					k.HandlePodDeleted(pod)
				}
			}
		},
	}
}
