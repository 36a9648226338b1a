package admission

import (
	"context"
	"sort"
	"sync"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// memStore is an in-memory Store for tests.
type memStore struct {
	mu   sync.Mutex
	objs map[schema.GroupResource]map[string]runtime.Object
}

var _ Store = (*memStore)(nil)

func newMemStore(objs ...runtime.Object) *memStore {
	s := &memStore{objs: map[schema.GroupResource]map[string]runtime.Object{}}
	for _, o := range objs {
		s.put(o)
	}
	return s
}

func grOf(o runtime.Object) schema.GroupResource {
	switch o.(type) {
	case *corev1.Namespace:
		return namespacesGR
	case *corev1.Pod:
		return podsGR
	case *corev1.LimitRange:
		return limitRangesGR
	case *corev1.ResourceQuota:
		return quotasGR
	case *corev1.ServiceAccount:
		return accountsGR
	case *corev1.Service:
		return servicesGR
	case *schedulingv1.PriorityClass:
		return priorityGR
	}
	return schema.GroupResource{}
}

func (s *memStore) put(o runtime.Object) {
	s.mu.Lock()
	defer s.mu.Unlock()
	gr := grOf(o)
	if s.objs[gr] == nil {
		s.objs[gr] = map[string]runtime.Object{}
	}
	m, _ := meta.Accessor(o)
	s.objs[gr][m.GetNamespace()+"/"+m.GetName()] = o
}

func (s *memStore) Get(_ context.Context, gr schema.GroupResource, ns, name string) (runtime.Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.objs[gr][ns+"/"+name]; ok {
		return o, nil
	}
	return nil, apierrors.NewNotFound(gr, name)
}

func (s *memStore) List(_ context.Context, gr schema.GroupResource, ns string) ([]runtime.Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for k, o := range s.objs[gr] {
		m, _ := meta.Accessor(o)
		if ns == "" || m.GetNamespace() == ns {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := make([]runtime.Object, 0, len(keys))
	for _, k := range keys {
		out = append(out, s.objs[gr][k])
	}
	return out, nil
}

func (s *memStore) Update(_ context.Context, gr schema.GroupResource, ns, name string, fn func(runtime.Object) (runtime.Object, error)) (runtime.Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.objs[gr][ns+"/"+name]
	var in runtime.Object
	if ok {
		in = cur.DeepCopyObject()
	}
	out, err := fn(in)
	if err != nil {
		return nil, err
	}
	s.objs[gr][ns+"/"+name] = out
	return out, nil
}

func namespace(name string, labels map[string]string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
}

func pod(name string, mutate ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
	for _, m := range mutate {
		m(p)
	}
	return p
}

func createAttrs(obj runtime.Object) *Attributes {
	m, _ := meta.Accessor(obj)
	return &Attributes{Operation: Create, Resource: grOf(obj), Namespace: m.GetNamespace(), Name: m.GetName(), Object: obj}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
