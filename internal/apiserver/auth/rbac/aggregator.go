package rbac

import (
	"context"
	"fmt"
	"log/slog"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	rbaclisters "k8s.io/client-go/listers/rbac/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// Aggregator is the clusterrole-aggregation controller: it keeps the rules
// of every cluster role with an aggregationRule equal to the union of the
// rules of the cluster roles it selects. Any cluster role change requeues
// every aggregating role, as upstream.
type Aggregator struct {
	client kubernetes.Interface
	lister rbaclisters.ClusterRoleLister
	synced cache.InformerSynced
	queue  workqueue.TypedRateLimitingInterface[string]
	log    *slog.Logger
}

// NewAggregator registers a cluster role informer on f; start f (or
// Authorizer.Start, which starts it) before Run.
func NewAggregator(client kubernetes.Interface, f informers.SharedInformerFactory, log *slog.Logger) (*Aggregator, error) {
	if log == nil {
		log = slog.Default()
	}
	inf := f.Rbac().V1().ClusterRoles()
	a := &Aggregator{
		client: client,
		lister: inf.Lister(),
		synced: inf.Informer().HasSynced,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "clusterrole-aggregation"}),
		log: log,
	}
	_, err := inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { a.enqueueAll() },
		UpdateFunc: func(any, any) { a.enqueueAll() },
		DeleteFunc: func(any) { a.enqueueAll() },
	})
	if err != nil {
		return nil, fmt.Errorf("watch cluster roles: %w", err)
	}
	return a, nil
}

func (a *Aggregator) enqueueAll() {
	roles, err := a.lister.List(labels.Everything())
	if err != nil {
		a.log.Error("list cluster roles", "err", err)
		return
	}
	for _, r := range roles {
		if r.AggregationRule != nil {
			a.queue.Add(r.Name)
		}
	}
}

// Run reconciles until ctx ends.
func (a *Aggregator) Run(ctx context.Context) {
	defer a.queue.ShutDown()
	go func() {
		<-ctx.Done()
		a.queue.ShutDown()
	}()
	if !cache.WaitForCacheSync(ctx.Done(), a.synced) {
		return
	}
	for a.next(ctx) {
	}
}

func (a *Aggregator) next(ctx context.Context) bool {
	name, quit := a.queue.Get()
	if quit {
		return false
	}
	defer a.queue.Done(name)
	if err := a.Reconcile(ctx, name); err != nil {
		a.log.Warn("aggregate cluster role", "name", name, "err", err)
		a.queue.AddRateLimited(name)
		return true
	}
	a.queue.Forget(name)
	return true
}

// Reconcile brings the rules of the named cluster role to its aggregation,
// reading from the informer cache; it is idempotent.
func (a *Aggregator) Reconcile(ctx context.Context, name string) error {
	role, err := a.lister.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	all, err := a.lister.List(labels.Everything())
	if err != nil {
		return err
	}
	rules, ok := aggregatedRules(role, all)
	if !ok || equality.Semantic.DeepEqual(rules, role.Rules) {
		return nil
	}
	updated := role.DeepCopy()
	updated.Rules = rules
	_, err = a.client.RbacV1().ClusterRoles().Update(ctx, updated, metav1.UpdateOptions{FieldManager: "clusterrole-aggregation-controller"})
	return err
}
