package resourcequota

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff-dev/skiff/internal/apis/quota"
	"github.com/skiff-dev/skiff/internal/controller"
)

// ResyncPeriod is how often every quota is recomputed even when nothing
// it tracks changed, as upstream's default --resource-quota-sync-period.
const ResyncPeriod = 5 * time.Minute

// Config is what the ResourceQuota controller needs.
type Config struct {
	Client   kubernetes.Interface
	Metadata metadata.Interface
	Factory  informers.SharedInformerFactory
	// MetadataInformer, when set, returns a metadata-only informer of gvr
	// (objects of kind gvk). ConfigMaps are watched through it: the
	// controller counts them through the metadata API and needs their
	// changes only to know when to count again, so a typed informer
	// would hold every ConfigMap's data for nothing. Nil: the typed one.
	MetadataInformer func(gvr schema.GroupVersionResource, gvk schema.GroupVersionKind) cache.SharedIndexInformer
	// Workers defaults to 5, as upstream's --concurrent-resource-quota-syncs.
	Workers int
	// Resync defaults to ResyncPeriod.
	Resync time.Duration
	Logger *slog.Logger
}

// Reconciler writes ResourceQuota status.
type Reconciler struct {
	client   kubernetes.Interface
	metadata metadata.Interface
	mapper   *restmapper.DeferredDiscoveryRESTMapper
	quotas   corelisters.ResourceQuotaLister
	quotaIdx cache.Indexer // quotas' indexer, for InNamespace
	pods     corelisters.PodLister
	services corelisters.ServiceLister
	claims   corelisters.PersistentVolumeClaimLister
	resync   time.Duration
}

var _ controller.Reconciler = (*Reconciler)(nil)

// New registers the informers the controller reads and returns it.
func New(cfg Config) *controller.Controller {
	if cfg.Workers == 0 {
		cfg.Workers = 5
	}
	if cfg.Resync == 0 {
		cfg.Resync = ResyncPeriod
	}
	core := cfg.Factory.Core().V1()
	r := &Reconciler{client: cfg.Client, metadata: cfg.Metadata, resync: cfg.Resync,
		mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(cfg.Client.Discovery())),
		quotas: core.ResourceQuotas().Lister(), quotaIdx: core.ResourceQuotas().Informer().GetIndexer(), pods: core.Pods().Lister(), services: core.Services().Lister(),
		claims: core.PersistentVolumeClaims().Lister()}
	configMaps := core.ConfigMaps().Informer
	if cfg.MetadataInformer != nil {
		configMaps = func() cache.SharedIndexInformer {
			return cfg.MetadataInformer(corev1.SchemeGroupVersion.WithResource("configmaps"), corev1.SchemeGroupVersion.WithKind("ConfigMap"))
		}
	}
	// Secrets and ReplicationControllers stay typed: the process holds
	// those informers anyway (token authentication, the scheduler).
	tracked := []cache.SharedIndexInformer{core.Pods().Informer(), core.Services().Informer(), core.PersistentVolumeClaims().Informer(),
		configMaps(), core.Secrets().Informer(), core.ReplicationControllers().Informer()}
	synced := []cache.InformerSynced{core.ResourceQuotas().Informer().HasSynced}
	for _, inf := range tracked {
		synced = append(synced, inf.HasSynced)
	}
	c := controller.New(controller.Config{Name: "resourcequota", Reconciler: r, Workers: cfg.Workers, Logger: cfg.Logger, Synced: synced})
	_, _ = controller.AddHandler(cfg.Factory, core.ResourceQuotas().Informer(), c.Handler())
	for _, inf := range tracked {
		_, _ = controller.AddHandler(cfg.Factory, inf, c.MapHandler(r.quotasInNamespace))
	}
	return c
}

// quotasInNamespace maps an object to every quota of its namespace.
func (r *Reconciler) quotasInNamespace(obj metav1.Object) []controller.Request {
	qs := controller.InNamespace[*corev1.ResourceQuota](r.quotaIdx, obj.GetNamespace())
	out := make([]controller.Request, 0, len(qs))
	for _, q := range qs {
		out = append(out, controller.Request{Namespace: q.Namespace, Name: q.Name})
	}
	return out
}

// Reconcile recomputes the status of the quota req names.
func (r *Reconciler) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	cached, err := r.quotas.ResourceQuotas(req.Namespace).Get(req.Name)
	if apierrors.IsNotFound(err) {
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, err
	}
	q := cached.DeepCopy()
	used, err := quota.Compute(q, q.Spec.Hard, func(gr schema.GroupResource) ([]runtime.Object, error) {
		return r.list(ctx, gr, q.Namespace)
	}, apierrors.IsNotFound)
	if err != nil {
		return controller.Result{}, fmt.Errorf("compute usage of quota %s: %w", req, err)
	}
	st := corev1.ResourceQuotaStatus{Hard: q.Spec.Hard.DeepCopy(), Used: used}
	if !apiequality.Semantic.DeepEqual(q.Status, st) {
		q.Status = st
		_, err := r.client.CoreV1().ResourceQuotas(q.Namespace).UpdateStatus(ctx, q, metav1.UpdateOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return controller.Result{}, err
		}
	}
	return controller.Result{RequeueAfter: r.resync}, nil
}

// list returns the objects of gr in ns: pods, services and claims from the
// informers, anything else through the metadata API.
func (r *Reconciler) list(ctx context.Context, gr schema.GroupResource, ns string) ([]runtime.Object, error) {
	var out []runtime.Object
	switch gr {
	case schema.GroupResource{Resource: "pods"}:
		pods, err := r.pods.Pods(ns).List(labels.Everything())
		for _, p := range pods {
			out = append(out, p)
		}
		return out, err
	case schema.GroupResource{Resource: "services"}:
		svcs, err := r.services.Services(ns).List(labels.Everything())
		for _, s := range svcs {
			out = append(out, s)
		}
		return out, err
	case schema.GroupResource{Resource: "persistentvolumeclaims"}:
		pvcs, err := r.claims.PersistentVolumeClaims(ns).List(labels.Everything())
		for _, c := range pvcs {
			out = append(out, c)
		}
		return out, err
	}
	gvr, err := r.mapper.ResourceFor(gr.WithVersion(""))
	if err != nil {
		r.mapper.Reset()
		return nil, apierrors.NewNotFound(gr, "")
	}
	list, err := r.metadata.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	for i := range list.Items {
		out = append(out, &list.Items[i])
	}
	return out, nil
}
