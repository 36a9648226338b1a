package controller

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
)

// InNamespace returns the objects of type T that idx files under
// namespace ns, through the informers' namespace index. A lister's
// List(labels.Everything()) reads the same index, but builds an
// ObjectMeta to ask it with on every call; handlers that run on every
// pod event (which Services, budgets or quotas share its namespace)
// then allocated a few percent of a busy server's garbage. Without the
// index (an indexer made without it) it filters every object. ns ""
// (metav1.NamespaceAll) means every namespace, as for a lister.
func InNamespace[T interface{ GetNamespace() string }](idx cache.Indexer, ns string) []T {
	var objs []any
	var err error
	if ns != metav1.NamespaceAll {
		objs, err = idx.ByIndex(cache.NamespaceIndex, ns)
	}
	if ns == metav1.NamespaceAll || err != nil {
		objs = idx.List()
	}
	out := make([]T, 0, len(objs))
	for _, o := range objs {
		if t, ok := o.(T); ok && (ns == metav1.NamespaceAll || t.GetNamespace() == ns) {
			out = append(out, t)
		}
	}
	return out
}

// SelectingOwners returns a request for each object of type T in obj's
// namespace (InNamespace) whose label selector, selector(t), matches obj's
// labels: the controllers that may adopt obj, an orphan. A selector that
// selects everything (empty) or does not parse matches nothing, as
// upstream's controllers skip them.
func SelectingOwners[T metav1.Object](idx cache.Indexer, obj metav1.Object, selector func(T) *metav1.LabelSelector) []Request {
	var out []Request
	set := labels.Set(obj.GetLabels())
	for _, o := range InNamespace[T](idx, obj.GetNamespace()) {
		sel, err := metav1.LabelSelectorAsSelector(selector(o))
		if err == nil && !sel.Empty() && sel.Matches(set) {
			out = append(out, Request{Namespace: o.GetNamespace(), Name: o.GetName()})
		}
	}
	return out
}
