package replicaset

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/informers"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/ptr"

	"github.com/skiff-dev/skiff/internal/controller"
)

// arrivingIndexer is a pod informer's indexer whose index lookups let one
// pod arrive after the lookup has read its result: the informer stores the
// pod and then its handler observes it, while the controller is between
// reading the cache and acting on what it read.
type arrivingIndexer struct {
	cache.Indexer
	arrive func()
}

func (a *arrivingIndexer) ByIndex(name, value string) ([]any, error) {
	out, err := a.Indexer.ByIndex(name, value)
	if a.arrive != nil {
		a.arrive()
		a.arrive = nil
	}
	return out, err
}

// arrivingInformer hands out the arrivingIndexer.
type arrivingInformer struct {
	cache.SharedIndexInformer
	idx *arrivingIndexer
}

func (a arrivingInformer) GetIndexer() cache.Indexer { return a.idx }

type arrivingPods struct {
	coreinformers.PodInformer
	inf arrivingInformer
}

func (a arrivingPods) Informer() cache.SharedIndexInformer { return a.inf }

// TestReconcileReadsExpectationsFirst: a ReplicaSet waiting for the last
// pod of a batch must not create a replacement for it when that pod
// arrives while the sync reads the cache. Upstream reads the expectations
// before the pods for this reason; read after, the met expectations and
// the stale pod list made one pod too many (seen as 10,001 pods in the
// scaled-up Deployment of `bench scheduler --pods-qps`).
func TestReconcileReadsExpectationsFirst(t *testing.T) {
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: uuid.NewUUID()},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](3), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "a"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "a"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i"}}}}}}
	client := fake.NewClientset(rs)
	f := informers.NewSharedInformerFactory(client, 0)
	rsInf := f.Apps().V1().ReplicaSets().Informer()
	if err := rsInf.GetIndexer().Add(rs); err != nil {
		t.Fatal(err)
	}
	real := f.Core().V1().Pods()
	store := real.Informer().GetIndexer()
	idx := &arrivingIndexer{Indexer: store}
	pods := arrivingPods{PodInformer: real, inf: arrivingInformer{SharedIndexInformer: real.Informer(), idx: idx}}
	r := &Reconciler{client: client, kind: replicaSetKind(client, rsInf), exp: controller.NewExpectations(time.Now),
		recorder: record.NewFakeRecorder(100), now: time.Now, log: slog.New(slog.DiscardHandler)}
	r.claimable = controller.NewClaimablePods(pods, r.log)

	owned := func(i int) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("web-%d", i), Namespace: "ns", UID: uuid.NewUUID(),
			Labels: map[string]string{"app": "a"}, OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(rs, r.kind.GVK)}}}
	}
	// The last sync created three pods; two have arrived.
	key := "ns/web"
	r.exp.Expect(key, 3, 0)
	for i := range 2 {
		if err := store.Add(owned(i)); err != nil {
			t.Fatal(err)
		}
		r.exp.Observe(key, 1, 0)
	}
	// The third arrives while the sync reads the cache.
	idx.arrive = func() {
		if err := store.Add(owned(2)); err != nil {
			t.Error(err)
		}
		r.exp.Observe(key, 1, 0)
	}
	// creates syncs the ReplicaSet and counts the pods it created.
	creates := func() int {
		client.ClearActions()
		if _, err := r.Reconcile(context.Background(), controller.Request{Namespace: "ns", Name: "web"}); err != nil {
			t.Fatalf("Reconcile: %v", err)
		}
		n := 0
		for _, a := range client.Actions() {
			if a.GetVerb() == "create" && a.GetResource().Resource == "pods" {
				n++
			}
		}
		return n
	}
	if n := creates(); n != 0 {
		t.Errorf("Reconcile created %d pods: it found its expectations met after a pod list that missed the pod they waited for", n)
	}
	// The next sync sees all three and creates nothing either.
	if n := creates(); n != 0 {
		t.Errorf("second Reconcile created %d pods; 3 of 3 exist", n)
	}
}
