package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/skiff-dev/skiff/internal/apiserver/admission"
)

// accountsManager is the field manager of the objects written here.
const accountsManager = "skiff-serviceaccounts"

// startServiceAccounts runs, for every namespace, what upstream's
// controller manager runs as the ServiceAccount controller (a "default"
// ServiceAccount) and the root-CA publisher (the kube-root-ca.crt ConfigMap
// holding the cluster CA as ca.crt), which the ServiceAccount admission
// plugin and the projected token volume rely on. It first creates the
// system PriorityClasses, as upstream's API server does at start. stop ends
// the informers and the worker and waits for them.
func startServiceAccounts(ctx context.Context, loopback *rest.Config, nsF informers.SharedInformerFactory, caPEM []byte, log *slog.Logger) (func(), error) {
	cs, err := kubernetes.NewForConfig(loopback)
	if err != nil {
		return nil, err
	}
	for _, pc := range admission.SystemPriorityClasses() {
		_, err := cs.SchedulingV1().PriorityClasses().Create(ctx, pc, metav1.CreateOptions{FieldManager: accountsManager})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("priority class %s: %w", pc.Name, err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	byName := func(name string) informers.SharedInformerOption {
		return informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("metadata.name", name).String()
		})
	}
	saF := informers.NewSharedInformerFactoryWithOptions(cs, 0, byName(admission.DefaultServiceAccountName))
	cmF := informers.NewSharedInformerFactoryWithOptions(cs, 0, byName(admission.RootCAConfigMapName))
	p := &publisher{
		cs: cs, ca: string(caPEM), log: log,
		namespaces: nsF.Core().V1().Namespaces().Lister(),
		accounts:   saF.Core().V1().ServiceAccounts().Lister(),
		configMaps: cmF.Core().V1().ConfigMaps().Lister(),
		queue:      workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]()),
	}
	enqueueNS := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { p.enqueue(obj, true) },
		UpdateFunc: func(_, obj any) { p.enqueue(obj, true) },
	}
	enqueueOwner := cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(_, obj any) { p.enqueue(obj, false) },
		DeleteFunc: func(obj any) { p.enqueue(obj, false) },
	}
	if _, err := nsF.Core().V1().Namespaces().Informer().AddEventHandler(enqueueNS); err != nil {
		cancel()
		return nil, err
	}
	_, _ = saF.Core().V1().ServiceAccounts().Informer().AddEventHandler(enqueueOwner)
	_, _ = cmF.Core().V1().ConfigMaps().Informer().AddEventHandler(enqueueOwner)
	for _, f := range []informers.SharedInformerFactory{nsF, saF, cmF} {
		f.StartWithContext(ctx)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, f := range []informers.SharedInformerFactory{nsF, saF, cmF} {
			f.WaitForCacheSync(ctx.Done())
		}
		for p.next(ctx) {
		}
	}()
	return func() {
		cancel()
		p.queue.ShutDown()
		wg.Wait()
		for _, f := range []informers.SharedInformerFactory{nsF, saF, cmF} {
			f.Shutdown()
		}
	}, nil
}

// publisher keeps the default ServiceAccount and the root CA ConfigMap in
// every namespace; the queue holds namespace names.
type publisher struct {
	cs         kubernetes.Interface
	ca         string
	log        *slog.Logger
	namespaces corelisters.NamespaceLister
	accounts   corelisters.ServiceAccountLister
	configMaps corelisters.ConfigMapLister
	queue      workqueue.TypedRateLimitingInterface[string]
}

func (p *publisher) enqueue(obj any, isNamespace bool) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	m, ok := obj.(metav1.Object)
	if !ok {
		return
	}
	if isNamespace {
		p.queue.Add(m.GetName())
	} else {
		p.queue.Add(m.GetNamespace())
	}
}

func (p *publisher) next(ctx context.Context) bool {
	ns, quit := p.queue.Get()
	if quit {
		return false
	}
	defer p.queue.Done(ns)
	if err := p.reconcile(ctx, ns); err != nil {
		if ctx.Err() == nil {
			p.log.Debug("service account publisher", "namespace", ns, "err", err)
		}
		p.queue.AddRateLimited(ns)
		return true
	}
	p.queue.Forget(ns)
	return true
}

// reconcile ensures both objects in one namespace; terminating and
// missing namespaces get nothing.
func (p *publisher) reconcile(ctx context.Context, ns string) error {
	got, err := p.namespaces.Get(ns)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if got.DeletionTimestamp != nil || got.Status.Phase == corev1.NamespaceTerminating {
		return nil
	}
	if _, err := p.accounts.ServiceAccounts(ns).Get(admission.DefaultServiceAccountName); apierrors.IsNotFound(err) {
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: admission.DefaultServiceAccountName, Namespace: ns}}
		_, err := p.cs.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{FieldManager: accountsManager})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create default service account: %w", err)
		}
	}
	return p.publishCA(ctx, ns)
}

func (p *publisher) publishCA(ctx context.Context, ns string) error {
	want := map[string]string{"ca.crt": p.ca}
	cm, err := p.configMaps.ConfigMaps(ns).Get(admission.RootCAConfigMapName)
	if apierrors.IsNotFound(err) {
		cm := &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: admission.RootCAConfigMapName, Namespace: ns,
				Annotations: map[string]string{"kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."}},
			Data: want,
		}
		_, err := p.cs.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{FieldManager: accountsManager})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create root CA config map: %w", err)
		}
		return nil
	}
	if err != nil {
		return err
	}
	if len(cm.Data) == 1 && cm.Data["ca.crt"] == p.ca {
		return nil
	}
	next := cm.DeepCopy()
	next.Data = want
	_, err = p.cs.CoreV1().ConfigMaps(ns).Update(ctx, next, metav1.UpdateOptions{FieldManager: accountsManager})
	return err
}
