package storage

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/skiff-dev/skiff/internal/etcd"
)

// env is one embedded etcd and a store over it.
type env struct {
	dir   string
	etcd  *etcd.Server
	store *Store
	pods  *Resource
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func podConfig() ResourceConfig {
	return ResourceConfig{
		GroupResource: schema.GroupResource{Resource: "pods"},
		Key:           "pods",
		Namespaced:    true,
		GVK:           corev1.SchemeGroupVersion.WithKind("Pod"),
		New:           func() runtime.Object { return &corev1.Pod{} },
		NewList:       func() runtime.Object { return &corev1.PodList{} },
		Attrs: func(obj runtime.Object) (labels.Set, fields.Set, error) {
			p := obj.(*corev1.Pod)
			return p.Labels, fields.Set{
				"metadata.name":      p.Name,
				"metadata.namespace": p.Namespace,
				"spec.nodeName":      p.Spec.NodeName,
			}, nil
		},
		WatchIndex: "spec.nodeName",
	}
}

func configMapConfig() ResourceConfig {
	return ResourceConfig{
		GroupResource: schema.GroupResource{Resource: "configmaps"},
		Key:           "configmaps",
		Namespaced:    true,
		GVK:           corev1.SchemeGroupVersion.WithKind("ConfigMap"),
		New:           func() runtime.Object { return &corev1.ConfigMap{} },
		NewList:       func() runtime.Object { return &corev1.ConfigMapList{} },
	}
}

// newEnv starts etcd in dir (a new temp dir if "") and a store with cfg's
// non-zero fields.
func newEnv(tb testing.TB, dir string, cfg Config) *env {
	tb.Helper()
	return newEnvWith(tb, dir, cfg, podConfig())
}

// forEachMode runs f as two subtests: on pods served from a watch cache,
// and on pods served from etcd (Uncached).
func forEachMode(t *testing.T, cfg Config, f func(t *testing.T, e *env)) {
	for _, uncached := range []bool{false, true} {
		name := "cached"
		if uncached {
			name = "uncached"
		}
		t.Run(name, func(t *testing.T) {
			rc := podConfig()
			rc.Uncached = uncached
			f(t, newEnvWith(t, "", cfg, rc))
		})
	}
}

// newEnvWith is newEnv with pods stored as rc says.
func newEnvWith(tb testing.TB, dir string, cfg Config, rc ResourceConfig) *env {
	tb.Helper()
	if dir == "" {
		dir = tb.TempDir()
	}
	ctx := context.Background()
	srv, err := etcd.Start(ctx, etcd.Config{DataDir: dir, Logger: quietLogger()})
	if err != nil {
		tb.Fatalf("etcd.Start() error = %v", err)
	}
	cfg.Client = srv.Client()
	// The server runs its embedded member this way; TestLocalReader
	// checks the client path gives the same answers.
	cfg.Local = srv
	cfg.Scheme = scheme.Scheme
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	st, err := New(cfg)
	if err != nil {
		srv.Close()
		tb.Fatalf("New() error = %v", err)
	}
	pods, err := st.Resource(ctx, rc)
	if err != nil {
		st.Close()
		srv.Close()
		tb.Fatalf("Resource(pods) error = %v", err)
	}
	e := &env{dir: dir, etcd: srv, store: st, pods: pods}
	tb.Cleanup(e.close)
	return e
}

func (e *env) close() {
	e.store.Close()
	e.etcd.Close()
}

func pod(ns, name string, lbls map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: lbls},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
	}
}

func mustCreate(tb testing.TB, r *Resource, p *corev1.Pod) *corev1.Pod {
	tb.Helper()
	out, err := r.Create(context.Background(), p.Namespace, p.Name, p)
	if err != nil {
		tb.Fatalf("Create(%s/%s) error = %v", p.Namespace, p.Name, err)
	}
	return out.(*corev1.Pod)
}

func rvOf(tb testing.TB, obj runtime.Object) int64 {
	tb.Helper()
	acc, err := meta.Accessor(obj)
	if err != nil {
		tb.Fatalf("meta.Accessor() error = %v", err)
	}
	n, err := strconv.ParseInt(acc.GetResourceVersion(), 10, 64)
	if err != nil {
		tb.Fatalf("resourceVersion %q is not a number", acc.GetResourceVersion())
	}
	return n
}

func names(objs []runtime.Object) []string {
	out := make([]string, 0, len(objs))
	for _, o := range objs {
		acc, err := meta.Accessor(o)
		if err != nil {
			out = append(out, "?")
			continue
		}
		out = append(out, acc.GetNamespace()+"/"+acc.GetName())
	}
	return out
}

// nextEvent returns the next watch event or fails after a generous timeout.
func nextEvent(tb testing.TB, w watch.Interface) watch.Event {
	tb.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			tb.Fatalf("watch channel closed; want an event")
		}
		return ev
	case <-time.After(10 * time.Second):
		tb.Fatalf("no watch event within 10s")
	}
	return watch.Event{}
}

// eventSummary is "TYPE ns/name" for an event.
func eventSummary(ev watch.Event) string {
	acc, err := meta.Accessor(ev.Object)
	if err != nil {
		return string(ev.Type) + " ?"
	}
	return string(ev.Type) + " " + acc.GetNamespace() + "/" + acc.GetName()
}
