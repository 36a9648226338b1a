package persistentvolume

import (
	"strconv"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	corelisters "k8s.io/client-go/listers/core/v1"
)

// writtenVolumes overlays the volume informer with the versions the binder
// has just written, until the informer catches up, as upstream's binder
// keeps its own cache: a claim synced right after another claim's binding
// then sees that volume taken instead of trying it and conflicting. Its
// methods are safe for concurrent use; the objects it returns are shared
// and must not be modified.
type writtenVolumes struct {
	lister corelisters.PersistentVolumeLister
	mu     sync.Mutex
	byName map[string]*corev1.PersistentVolume
}

func newWrittenVolumes(l corelisters.PersistentVolumeLister) *writtenVolumes {
	return &writtenVolumes{lister: l, byName: map[string]*corev1.PersistentVolume{}}
}

// store records a version the binder wrote.
func (w *writtenVolumes) store(v *corev1.PersistentVolume) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if old, ok := w.byName[v.Name]; !ok || newer(v, old) {
		w.byName[v.Name] = v
	}
}

// newer compares resourceVersions as the etcd revisions they are
// (upstream's binder cache does the same).
func newer(a, b *corev1.PersistentVolume) bool {
	ra, errA := strconv.ParseInt(a.ResourceVersion, 10, 64)
	rb, errB := strconv.ParseInt(b.ResourceVersion, 10, 64)
	return errA == nil && errB == nil && ra > rb
}

// pick returns the written version of cached when it is newer, else
// cached, forgetting a written version the informer has caught up with.
func (w *writtenVolumes) pick(cached *corev1.PersistentVolume) *corev1.PersistentVolume {
	w.mu.Lock()
	defer w.mu.Unlock()
	mine, ok := w.byName[cached.Name]
	if !ok {
		return cached
	}
	if newer(mine, cached) {
		return mine
	}
	delete(w.byName, cached.Name)
	return cached
}

// Get returns the freshest known version of the named volume.
func (w *writtenVolumes) Get(name string) (*corev1.PersistentVolume, error) {
	v, err := w.lister.Get(name)
	if apierrors.IsNotFound(err) {
		w.mu.Lock()
		delete(w.byName, name)
		w.mu.Unlock()
	}
	if err != nil {
		return nil, err
	}
	return w.pick(v), nil
}

// List returns the freshest known version of every volume.
func (w *writtenVolumes) List() ([]*corev1.PersistentVolume, error) {
	all, err := w.lister.List(labels.Everything())
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	pending := len(w.byName)
	w.mu.Unlock()
	if pending == 0 {
		return all, nil
	}
	seen := make(map[string]bool, len(all))
	for i, v := range all {
		all[i] = w.pick(v)
		seen[v.Name] = true
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for name := range w.byName {
		if !seen[name] { // deleted meanwhile
			delete(w.byName, name)
		}
	}
	return all, nil
}
