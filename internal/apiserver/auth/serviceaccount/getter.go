package serviceaccount

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listersv1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// listerGetter reads informer caches, and the API only when a cache
// misses an object (one created a moment ago), as upstream's getter does.
type listerGetter struct {
	client  kubernetes.Interface
	sas     listersv1.ServiceAccountLister
	pods    listersv1.PodLister
	secrets listersv1.SecretLister
}

// StartGetter registers service account, pod and secret informers on f,
// starts f and returns a Getter over them once they have synced (or an
// error when ctx ends first). client serves cache misses.
func StartGetter(ctx context.Context, f informers.SharedInformerFactory, client kubernetes.Interface) (Getter, error) {
	core := f.Core().V1()
	g := &listerGetter{
		client:  client,
		sas:     core.ServiceAccounts().Lister(),
		pods:    core.Pods().Lister(),
		secrets: core.Secrets().Lister(),
	}
	synced := []cache.DoneChecker{
		core.ServiceAccounts().Informer().HasSyncedChecker(),
		core.Pods().Informer().HasSyncedChecker(),
		core.Secrets().Informer().HasSyncedChecker(),
	}
	f.StartWithContext(ctx)
	if !cache.WaitFor(ctx, "", synced...) {
		return nil, fmt.Errorf("service account token caches did not sync: %w", ctx.Err())
	}
	return g, nil
}

func (g *listerGetter) ServiceAccount(ns, name string) (*corev1.ServiceAccount, error) {
	if sa, err := g.sas.ServiceAccounts(ns).Get(name); !apierrors.IsNotFound(err) {
		return sa, err
	}
	return g.client.CoreV1().ServiceAccounts(ns).Get(context.Background(), name, metav1.GetOptions{})
}

func (g *listerGetter) Pod(ns, name string) (*corev1.Pod, error) {
	if pod, err := g.pods.Pods(ns).Get(name); !apierrors.IsNotFound(err) {
		return pod, err
	}
	return g.client.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
}

func (g *listerGetter) Secret(ns, name string) (*corev1.Secret, error) {
	if s, err := g.secrets.Secrets(ns).Get(name); !apierrors.IsNotFound(err) {
		return s, err
	}
	return g.client.CoreV1().Secrets(ns).Get(context.Background(), name, metav1.GetOptions{})
}
