package persistentvolume

import (
	"context"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"

	"github.com/skiff-dev/skiff/internal/controller"
)

// ClaimProtection is upstream's pvc-protection controller: every claim
// carries the kubernetes.io/pvc-protection finalizer, and a deleted claim
// keeps it while a scheduled pod uses the claim.
type ClaimProtection struct {
	client  kubernetes.Interface
	listers listers
}

var _ controller.Reconciler = (*ClaimProtection)(nil)

// Reconcile adds or removes the finalizer of the claim req names.
func (p *ClaimProtection) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	c, err := p.listers.claims.PersistentVolumeClaims(req.Namespace).Get(req.Name)
	if apierrors.IsNotFound(err) {
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, err
	}
	has := slices.Contains(c.Finalizers, PVCProtectionFinalizer)
	switch {
	case c.DeletionTimestamp != nil && has:
		used, err := p.inUse(ctx, c)
		if err != nil || used {
			return controller.Result{}, err
		}
		nc := c.DeepCopy()
		nc.Finalizers = slices.DeleteFunc(nc.Finalizers, func(f string) bool { return f == PVCProtectionFinalizer })
		_, err = p.client.CoreV1().PersistentVolumeClaims(c.Namespace).Update(ctx, nc, metav1.UpdateOptions{})
		return controller.Result{}, ignoreNotFound(err)
	case c.DeletionTimestamp == nil && !has:
		nc := c.DeepCopy()
		nc.Finalizers = append(nc.Finalizers, PVCProtectionFinalizer)
		_, err = p.client.CoreV1().PersistentVolumeClaims(c.Namespace).Update(ctx, nc, metav1.UpdateOptions{})
		return controller.Result{}, ignoreNotFound(err)
	}
	return controller.Result{}, nil
}

// inUse reports whether a scheduled pod uses c. Like upstream it asks the
// cache first and, when the cache knows of none, the API server, so that
// a pod the cache has not seen yet still holds the claim.
func (p *ClaimProtection) inUse(ctx context.Context, c *corev1.PersistentVolumeClaim) (bool, error) {
	pods, err := p.listers.pods.Pods(c.Namespace).List(labels.Everything())
	if err != nil {
		return false, err
	}
	for _, pod := range pods {
		if holdsClaim(pod, c) {
			return true, nil
		}
	}
	list, err := p.client.CoreV1().Pods(c.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return false, err
	}
	for i := range list.Items {
		if holdsClaim(&list.Items[i], c) {
			return true, nil
		}
	}
	return false, nil
}

// holdsClaim is upstream's podUsesPVC: a scheduled pod holds a claim it
// names until the pod is gone, and a generic ephemeral claim it owns
// until it has finished.
func holdsClaim(pod *corev1.Pod, c *corev1.PersistentVolumeClaim) bool {
	if pod.Spec.NodeName == "" {
		return false
	}
	done := pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
	for _, v := range pod.Spec.Volumes {
		if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == c.Name {
			return true
		}
		if v.Ephemeral != nil && !done && pod.Name+"-"+v.Name == c.Name && ownedBy(c, pod) {
			return true
		}
	}
	return false
}

// usesClaim reports whether pod names c among its volumes (directly, or as
// its generic ephemeral claim).
func usesClaim(pod *corev1.Pod, c *corev1.PersistentVolumeClaim) bool {
	for _, v := range pod.Spec.Volumes {
		if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == c.Name ||
			v.Ephemeral != nil && pod.Name+"-"+v.Name == c.Name {
			return true
		}
	}
	return false
}

func ownedBy(c *corev1.PersistentVolumeClaim, pod *corev1.Pod) bool {
	ref := metav1.GetControllerOfNoCopy(c)
	return ref != nil && ref.UID == pod.UID
}

// deletingClaimsOfPod maps a pod to the claims it uses that are being
// deleted: only those can be waiting for the pod to go.
func (p *ClaimProtection) deletingClaimsOfPod(obj metav1.Object) []controller.Request {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return nil
	}
	var out []controller.Request
	for _, v := range pod.Spec.Volumes {
		name := ""
		switch {
		case v.PersistentVolumeClaim != nil:
			name = v.PersistentVolumeClaim.ClaimName
		case v.Ephemeral != nil:
			name = pod.Name + "-" + v.Name
		default:
			continue
		}
		if c, err := p.listers.claims.PersistentVolumeClaims(pod.Namespace).Get(name); err == nil && c.DeletionTimestamp != nil {
			out = append(out, controller.Request{Namespace: pod.Namespace, Name: name})
		}
	}
	return out
}

// VolumeProtection is upstream's pv-protection controller: every volume
// carries the kubernetes.io/pv-protection finalizer, and a deleted volume
// keeps it while it is Bound.
type VolumeProtection struct {
	client  kubernetes.Interface
	volumes corelisters.PersistentVolumeLister
}

var _ controller.Reconciler = (*VolumeProtection)(nil)

// Reconcile adds or removes the finalizer of the volume req names.
func (p *VolumeProtection) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	v, err := p.volumes.Get(req.Name)
	if apierrors.IsNotFound(err) {
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, err
	}
	has := slices.Contains(v.Finalizers, PVProtectionFinalizer)
	nv := v.DeepCopy()
	switch {
	case v.DeletionTimestamp != nil && has && v.Status.Phase != corev1.VolumeBound:
		nv.Finalizers = slices.DeleteFunc(nv.Finalizers, func(f string) bool { return f == PVProtectionFinalizer })
	case v.DeletionTimestamp == nil && !has:
		nv.Finalizers = append(nv.Finalizers, PVProtectionFinalizer)
	default:
		return controller.Result{}, nil
	}
	_, err = p.client.CoreV1().PersistentVolumes().Update(ctx, nv, metav1.UpdateOptions{})
	return controller.Result{}, ignoreNotFound(err)
}

func ignoreNotFound(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
