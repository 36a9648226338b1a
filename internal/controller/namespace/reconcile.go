package namespace

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff-dev/skiff/internal/controller"
)

// pollRemaining is how soon a namespace whose content is still going away
// is looked at again.
const pollRemaining = time.Second

// Config is what the namespace controller needs.
type Config struct {
	Client   kubernetes.Interface
	Metadata metadata.Interface
	Factory  informers.SharedInformerFactory
	// Workers defaults to 2.
	Workers int
	Now     func() time.Time
	Logger  *slog.Logger
}

// Reconciler empties and finalizes namespaces being deleted.
type Reconciler struct {
	client     kubernetes.Interface
	metadata   metadata.Interface
	namespaces corelisters.NamespaceLister
	now        func() time.Time
	log        *slog.Logger
}

var _ controller.Reconciler = (*Reconciler)(nil)

// New registers the namespace informer and returns the controller; run it
// with Run after the factory is started.
func New(cfg Config) *controller.Controller {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Workers == 0 {
		cfg.Workers = 2
	}
	inf := cfg.Factory.Core().V1().Namespaces()
	r := &Reconciler{client: cfg.Client, metadata: cfg.Metadata, namespaces: inf.Lister(), now: cfg.Now, log: cfg.Logger}
	c := controller.New(controller.Config{Name: "namespace", Reconciler: r, Workers: cfg.Workers,
		Synced: []cache.InformerSynced{inf.Informer().HasSynced}, Logger: cfg.Logger})
	_, _ = controller.AddHandler(cfg.Factory, inf.Informer(), c.Handler())
	return c
}

// Reconcile empties the namespace req names if it is being deleted, then
// finalizes it.
func (r *Reconciler) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	cached, err := r.namespaces.Get(req.Name)
	if apierrors.IsNotFound(err) {
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, err
	}
	if cached.DeletionTimestamp == nil {
		return controller.Result{}, nil
	}
	ns := cached.DeepCopy()
	rest, found := withoutFinalizer(finalizerStrings(ns.Spec.Finalizers), Finalizer)
	if !found {
		return controller.Result{}, r.deleteIfDone(ctx, ns)
	}
	rep := r.deleteContent(ctx, ns.Name)
	ns, err = r.writeConditions(ctx, ns, rep)
	if err != nil {
		return controller.Result{}, err
	}
	if rep.discoveryErr != nil || len(rep.contentErrs) > 0 {
		return controller.Result{}, fmt.Errorf("namespace %s: content not deleted: discovery: %v, content: %v",
			ns.Name, rep.discoveryErr, rep.contentErrs)
	}
	if len(rep.remaining) > 0 {
		return controller.Result{RequeueAfter: pollRemaining}, nil
	}
	ns.Spec.Finalizers = nil
	for _, f := range rest {
		ns.Spec.Finalizers = append(ns.Spec.Finalizers, corev1.FinalizerName(f))
	}
	if _, err := r.client.CoreV1().Namespaces().Finalize(ctx, ns, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return controller.Result{}, fmt.Errorf("finalize namespace %s: %w", ns.Name, err)
	}
	return controller.Result{}, nil
}

// deleteIfDone deletes again a namespace that waits for nothing, so the API
// server can remove it; the UID precondition guards against a namesake.
func (r *Reconciler) deleteIfDone(ctx context.Context, ns *corev1.Namespace) error {
	if len(ns.Spec.Finalizers) > 0 || len(ns.Finalizers) > 0 {
		return nil
	}
	err := r.client.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &ns.UID}})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

// deleteContent deletes everything in namespace and reports what is left.
func (r *Reconciler) deleteContent(ctx context.Context, namespace string) report {
	rep := report{remaining: map[string]int{}, finalizers: map[string]int{}}
	lists, err := r.client.Discovery().ServerPreferredNamespacedResources()
	if err != nil {
		rep.discoveryErr = err
	}
	resources, bad := deletable(lists)
	rep.badGroupVersions = bad
	background := metav1.DeletePropagationBackground
	opts := metav1.DeleteOptions{PropagationPolicy: &background}
	for _, res := range resources {
		client := r.metadata.Resource(res.gvr).Namespace(namespace)
		items, err := client.List(ctx, metav1.ListOptions{})
		if err != nil {
			rep.contentErrs = append(rep.contentErrs, fmt.Errorf("list %s: %w", res.gvr.GroupResource(), err))
			continue
		}
		if len(items.Items) == 0 {
			continue
		}
		if err := deleteAll(ctx, client, res, items, opts); err != nil {
			rep.contentErrs = append(rep.contentErrs, err)
			continue
		}
		items, err = client.List(ctx, metav1.ListOptions{})
		if err != nil {
			rep.contentErrs = append(rep.contentErrs, fmt.Errorf("list %s: %w", res.gvr.GroupResource(), err))
			continue
		}
		if n := len(items.Items); n > 0 {
			rep.remaining[res.gvr.GroupResource().String()] += n
		}
		for _, it := range items.Items {
			for _, f := range it.Finalizers {
				rep.finalizers[f]++
			}
		}
	}
	return rep
}

// deleteAll deletes the items of one resource, by collection when it can.
func deleteAll(ctx context.Context, client metadata.ResourceInterface, res resource, items *metav1.PartialObjectMetadataList, opts metav1.DeleteOptions) error {
	gr := res.gvr.GroupResource()
	if res.deleteCollection {
		err := client.DeleteCollection(ctx, opts, metav1.ListOptions{})
		if err == nil || !apierrors.IsMethodNotSupported(err) {
			if err != nil {
				return fmt.Errorf("delete collection %s: %w", gr, err)
			}
			return nil
		}
	}
	for _, it := range items.Items {
		if it.DeletionTimestamp != nil {
			continue
		}
		if err := client.Delete(ctx, it.Name, opts); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete %s %s: %w", gr, it.Name, err)
		}
	}
	return nil
}

// writeConditions writes the conditions rep implies, if they changed, and
// the Terminating phase; it returns the namespace as now stored.
func (r *Reconciler) writeConditions(ctx context.Context, ns *corev1.Namespace, rep report) (*corev1.Namespace, error) {
	conds, changed := merge(ns.Status.Conditions, conditions(rep), metav1.NewTime(r.now()))
	if !changed && ns.Status.Phase == corev1.NamespaceTerminating {
		return ns, nil
	}
	ns.Status.Conditions = conds
	ns.Status.Phase = corev1.NamespaceTerminating
	out, err := r.client.CoreV1().Namespaces().UpdateStatus(ctx, ns, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("update status of namespace %s: %w", ns.Name, err)
	}
	return out, nil
}

func finalizerStrings(fs []corev1.FinalizerName) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = string(f)
	}
	return out
}
