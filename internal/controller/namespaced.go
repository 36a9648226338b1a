package controller

import (
	"k8s.io/client-go/tools/cache"
)

// InNamespace returns the objects of type T that idx files under
// namespace ns, through the informers' namespace index. A lister's
// List(labels.Everything()) reads the same index, but builds an
// ObjectMeta to ask it with on every call; handlers that run on every
// pod event (which Services, budgets or quotas share its namespace)
// then allocated a few percent of a busy server's garbage. Without the
// index (an indexer made without it) it filters every object.
func InNamespace[T interface{ GetNamespace() string }](idx cache.Indexer, ns string) []T {
	objs, err := idx.ByIndex(cache.NamespaceIndex, ns)
	if err != nil {
		objs = idx.List()
	}
	out := make([]T, 0, len(objs))
	for _, o := range objs {
		if t, ok := o.(T); ok && t.GetNamespace() == ns {
			out = append(out, t)
		}
	}
	return out
}
