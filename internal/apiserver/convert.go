package apiserver

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/skiff-dev/skiff/internal/apis"
	"github.com/skiff-dev/skiff/internal/storage"
)

// objectStore is what the handlers need of storage; *storage.Resource
// implements it, and convertingStore adapts one stored in another version.
type objectStore interface {
	Create(ctx context.Context, ns, name string, obj runtime.Object) (runtime.Object, error)
	Get(ctx context.Context, ns, name, resourceVersion string) (runtime.Object, error)
	Update(ctx context.Context, ns, name string, fn storage.UpdateFunc) (runtime.Object, error)
	Delete(ctx context.Context, ns, name string, precondition func(current runtime.Object) error) (runtime.Object, error)
	List(ctx context.Context, ns string, opts storage.ListOptions) (*storage.ListResult, error)
	Watch(ctx context.Context, ns string, opts storage.WatchOptions) (watch.Interface, error)
	Count() int64
	CacheStats() (storage.CacheStats, bool)
}

var _ objectStore = (*storage.Resource)(nil)

// convertingStore serves a resource stored in another version: objects
// are converted on their way in and out.
type convertingStore struct {
	inner *storage.Resource
	sv    *apis.StorageVersion
}

func (c *convertingStore) Create(ctx context.Context, ns, name string, obj runtime.Object) (runtime.Object, error) {
	out, err := c.inner.Create(ctx, ns, name, c.sv.ToStorage(obj, nil))
	if err != nil {
		return nil, err
	}
	return c.sv.FromStorage(out), nil
}

func (c *convertingStore) Get(ctx context.Context, ns, name, rv string) (runtime.Object, error) {
	out, err := c.inner.Get(ctx, ns, name, rv)
	if err != nil {
		return nil, err
	}
	return c.sv.FromStorage(out), nil
}

func (c *convertingStore) Update(ctx context.Context, ns, name string, fn storage.UpdateFunc) (runtime.Object, error) {
	out, err := c.inner.Update(ctx, ns, name, func(current runtime.Object) (runtime.Object, error) {
		var served runtime.Object
		if current != nil {
			served = c.sv.FromStorage(current)
		}
		next, err := fn(served)
		if err != nil || next == nil {
			return next, err
		}
		return c.sv.ToStorage(next, current), nil
	})
	if err != nil {
		return nil, err
	}
	return c.sv.FromStorage(out), nil
}

func (c *convertingStore) Delete(ctx context.Context, ns, name string, pre func(runtime.Object) error) (runtime.Object, error) {
	out, err := c.inner.Delete(ctx, ns, name, func(current runtime.Object) error {
		if pre == nil {
			return nil
		}
		return pre(c.sv.FromStorage(current))
	})
	if err != nil {
		return nil, err
	}
	return c.sv.FromStorage(out), nil
}

func (c *convertingStore) List(ctx context.Context, ns string, opts storage.ListOptions) (*storage.ListResult, error) {
	res, err := c.inner.List(ctx, ns, opts)
	if err != nil {
		return nil, err
	}
	// A new result, not a copy: res's encodings are of the stored
	// version.
	items := make([]runtime.Object, res.Len())
	for i, it := range res.Objects() {
		items[i] = c.sv.FromStorage(it)
	}
	return res.WithObjects(items), nil
}

func (c *convertingStore) Watch(ctx context.Context, ns string, opts storage.WatchOptions) (watch.Interface, error) {
	w, err := c.inner.Watch(ctx, ns, opts)
	if err != nil {
		return nil, err
	}
	return watch.Filter(w, func(ev watch.Event) (watch.Event, bool) {
		if ev.Type != watch.Error && ev.Object != nil && ev.Type != watch.Bookmark {
			ev.Object = c.sv.FromStorage(ev.Object)
		}
		return ev, true
	}), nil
}

func (c *convertingStore) Count() int64 { return c.inner.Count() }

func (c *convertingStore) CacheStats() (storage.CacheStats, bool) { return c.inner.CacheStats() }
