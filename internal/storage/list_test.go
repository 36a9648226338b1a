package storage

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestListSelectorsAndNamespaces(t *testing.T) {
	ctx := context.Background()
	forEachMode(t, Config{}, func(t *testing.T, e *env) {
		mustCreate(t, e.pods, pod("a", "p1", map[string]string{"app": "web"}))
		mustCreate(t, e.pods, pod("a", "p2", map[string]string{"app": "db"}))
		mustCreate(t, e.pods, pod("b", "p1", map[string]string{"app": "web"}))
		tests := []struct {
			name string
			ns   string
			opts ListOptions
			want []string
		}{
			{name: "all namespaces", want: []string{"a/p1", "a/p2", "b/p1"}},
			{name: "one namespace", ns: "a", want: []string{"a/p1", "a/p2"}},
			{name: "label selector", opts: ListOptions{Label: labels.SelectorFromSet(labels.Set{"app": "web"})}, want: []string{"a/p1", "b/p1"}},
			{name: "field selector", opts: ListOptions{Field: fields.OneTermEqualSelector("metadata.name", "p2")}, want: []string{"a/p2"}},
			{name: "any cached", ns: "b", opts: ListOptions{ResourceVersion: "0"}, want: []string{"b/p1"}},
			{name: "label selector not older than rv", opts: ListOptions{Label: labels.SelectorFromSet(labels.Set{"app": "db"}), ResourceVersion: "1", ResourceVersionMatch: "NotOlderThan"}, want: []string{"a/p2"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := e.pods.List(ctx, tt.ns, tt.opts)
				if err != nil {
					t.Fatalf("List(%q, %+v) error = %v", tt.ns, tt.opts, err)
				}
				if !reflect.DeepEqual(names(got.Objects()), tt.want) {
					t.Errorf("List(%q, %+v) = %v; want %v", tt.ns, tt.opts, names(got.Objects()), tt.want)
				}
			})
		}
	})
}

func TestListErrors(t *testing.T) {
	ctx := context.Background()
	forEachMode(t, Config{}, func(t *testing.T, e *env) {
		e.store.waitTimeout = 200 * time.Millisecond
		rev, err := e.store.CurrentRevision(ctx)
		if err != nil {
			t.Fatalf("CurrentRevision() error = %v", err)
		}
		future := strconv.FormatUint(rev+1000, 10)
		tests := []struct {
			name    string
			opts    ListOptions
			wantErr func(error) bool
		}{
			{name: "exact without rv", opts: ListOptions{ResourceVersionMatch: "Exact"}, wantErr: apierrors.IsBadRequest},
			{name: "unknown match", opts: ListOptions{ResourceVersion: "1", ResourceVersionMatch: "Newest"}, wantErr: apierrors.IsBadRequest},
			{name: "continue with rv", opts: ListOptions{ResourceVersion: "5", Continue: "x"}, wantErr: apierrors.IsBadRequest},
			{name: "garbage continue", opts: ListOptions{Continue: "!!"}, wantErr: apierrors.IsBadRequest},
			{name: "not older than future rv times out", opts: ListOptions{ResourceVersion: future, ResourceVersionMatch: "NotOlderThan"}, wantErr: apierrors.IsTimeout},
			{name: "exact future rv", opts: ListOptions{ResourceVersion: future, ResourceVersionMatch: "Exact"}, wantErr: apierrors.IsTimeout},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := e.pods.List(ctx, "", tt.opts)
				if !tt.wantErr(err) {
					t.Errorf("List(%+v) error = %v; want a matching error class", tt.opts, err)
				}
			})
		}
	})
}

func TestConsistentListAfterWrite(t *testing.T) {
	ctx := context.Background()
	forEachMode(t, Config{}, func(t *testing.T, e *env) {
		cms, err := e.store.Resource(ctx, configMapConfig())
		if err != nil {
			t.Fatalf("Resource(configmaps) error = %v", err)
		}
		for i := range 20 {
			p := mustCreate(t, e.pods, pod("ns", fmt.Sprintf("p%02d", i), nil))
			got, err := e.pods.List(ctx, "ns", ListOptions{})
			if err != nil {
				t.Fatalf("List() error = %v", err)
			}
			if got.Len() != i+1 {
				t.Fatalf("List() after creating %d pods has %d items; want %d", i+1, got.Len(), i+1)
			}
			if int64(got.ResourceVersion) < rvOf(t, p) {
				t.Errorf("List() resourceVersion = %d; want >= %d", got.ResourceVersion, rvOf(t, p))
			}
		}
		// A write to another resource moves etcd's revision; a consistent list
		// of pods must still answer (via a progress notification) at that revision.
		cm, err := cms.Create(ctx, "ns", "cm", &corev1.ConfigMap{})
		if err != nil {
			t.Fatalf("Create(configmap) error = %v", err)
		}
		got, err := e.pods.List(ctx, "ns", ListOptions{})
		if err != nil {
			t.Fatalf("List() error = %v", err)
		}
		if int64(got.ResourceVersion) < rvOf(t, cm) {
			t.Errorf("List() resourceVersion = %d; want >= %d (the configmap write)", got.ResourceVersion, rvOf(t, cm))
		}
	})
}

// listAll pages through a list with limit and returns the names and the
// resourceVersions of the pages.
func listAll(t *testing.T, r *Resource, opts ListOptions, between func()) ([]string, []uint64) {
	t.Helper()
	var (
		all []string
		rvs []uint64
	)
	for {
		page, err := r.List(context.Background(), "", opts)
		if err != nil {
			t.Fatalf("List(%+v) error = %v", opts, err)
		}
		all = append(all, names(page.Objects())...)
		rvs = append(rvs, page.ResourceVersion)
		if page.Continue == "" {
			return all, rvs
		}
		if opts.Label == nil && page.RemainingItemCount == nil {
			t.Errorf("page with continue has no RemainingItemCount")
		}
		opts = ListOptions{Label: opts.Label, Limit: opts.Limit, Continue: page.Continue}
		between()
	}
}

func TestPaginationConsistentWhileChanging(t *testing.T) {
	forEachMode(t, Config{}, func(t *testing.T, e *env) {
		var want []string
		for i := range 10 {
			lbl := map[string]string{"even": strconv.FormatBool(i%2 == 0)}
			mustCreate(t, e.pods, pod("ns", fmt.Sprintf("p%02d", i), lbl))
			want = append(want, fmt.Sprintf("ns/p%02d", i))
		}
		changes := 0
		mutate := func() {
			ctx := context.Background()
			changes++
			if _, err := e.pods.Delete(ctx, "ns", fmt.Sprintf("p%02d", 10-changes), nil); err != nil {
				t.Fatalf("Delete() error = %v", err)
			}
			mustCreate(t, e.pods, pod("ns", fmt.Sprintf("p%02d-new", changes), nil))
		}
		tests := []struct {
			name string
			opts ListOptions
			want []string
		}{
			{name: "no selector", opts: ListOptions{Limit: 3}, want: want},
			{name: "label selector", opts: ListOptions{Limit: 2, Label: labels.SelectorFromSet(labels.Set{"even": "true"})},
				want: []string{"ns/p00", "ns/p02", "ns/p04", "ns/p06", "ns/p08"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, rvs := listAll(t, e.pods, tt.opts, mutate)
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("paged list = %v; want %v", got, tt.want)
				}
				for _, rv := range rvs {
					if rv != rvs[0] {
						t.Errorf("page resourceVersions = %v; want all equal", rvs)
						break
					}
				}
			})
			// Restore the original ten for the next case.
			for i := range changes {
				ctx := context.Background()
				if _, err := e.pods.Delete(ctx, "ns", fmt.Sprintf("p%02d-new", i+1), nil); err != nil {
					t.Fatalf("Delete() error = %v", err)
				}
				mustCreate(t, e.pods, pod("ns", fmt.Sprintf("p%02d", 9-i), map[string]string{"even": strconv.FormatBool((9-i)%2 == 0)}))
			}
			changes = 0
		}
	})
}

func TestRemainingItemCount(t *testing.T) {
	forEachMode(t, Config{}, func(t *testing.T, e *env) {
		for i := range 5 {
			mustCreate(t, e.pods, pod("ns", fmt.Sprintf("p%d", i), nil))
		}
		page, err := e.pods.List(context.Background(), "ns", ListOptions{Limit: 2})
		if err != nil {
			t.Fatalf("List() error = %v", err)
		}
		if page.RemainingItemCount == nil || *page.RemainingItemCount != 3 {
			t.Fatalf("first page RemainingItemCount = %v; want 3", page.RemainingItemCount)
		}
		page, err = e.pods.List(context.Background(), "ns", ListOptions{Limit: 2, Continue: page.Continue})
		if err != nil {
			t.Fatalf("List(continue) error = %v", err)
		}
		if page.RemainingItemCount == nil || *page.RemainingItemCount != 1 {
			t.Errorf("second page RemainingItemCount = %v; want 1", page.RemainingItemCount)
		}
	})
}

func TestContinueAfterCompaction(t *testing.T) {
	ctx := context.Background()
	forEachMode(t, Config{}, func(t *testing.T, e *env) {
		for i := range 4 {
			mustCreate(t, e.pods, pod("ns", fmt.Sprintf("p%d", i), nil))
		}
		page, err := e.pods.List(ctx, "", ListOptions{Limit: 2})
		if err != nil {
			t.Fatalf("List() error = %v", err)
		}
		p := mustCreate(t, e.pods, pod("ns", "later", nil))
		if _, err := e.store.compact(ctx, 0, rvOf(t, p)); err != nil {
			t.Fatalf("compact() error = %v", err)
		}
		_, err = e.pods.List(ctx, "", ListOptions{Limit: 2, Continue: page.Continue})
		if !apierrors.IsResourceExpired(err) {
			t.Fatalf("List(continue) after compaction error = %v; want 410 Expired", err)
		}
		if got := apierrors.ReasonForError(err); got != "Expired" {
			t.Errorf("reason = %q; want Expired", got)
		}
	})
}

func TestListExactReadsHistory(t *testing.T) {
	ctx := context.Background()
	forEachMode(t, Config{}, func(t *testing.T, e *env) {
		first := mustCreate(t, e.pods, pod("ns", "a", nil))
		mustCreate(t, e.pods, pod("ns", "b", nil))
		_, err := e.pods.Update(ctx, "ns", "a", func(cur runtime.Object) (runtime.Object, error) {
			p := cur.(*corev1.Pod)
			p.Labels = map[string]string{"changed": "yes"}
			return p, nil
		})
		if err != nil {
			t.Fatalf("Update() error = %v", err)
		}
		got, err := e.pods.List(ctx, "", ListOptions{ResourceVersion: strconv.FormatInt(rvOf(t, first), 10), ResourceVersionMatch: "Exact"})
		if err != nil {
			t.Fatalf("List(Exact) error = %v", err)
		}
		if want := []string{"ns/a"}; !reflect.DeepEqual(names(got.Objects()), want) {
			t.Fatalf("List(Exact) = %v; want %v", names(got.Objects()), want)
		}
		if lbls := got.Objects()[0].(*corev1.Pod).Labels; len(lbls) != 0 {
			t.Errorf("List(Exact) item labels = %v; want the old state without labels", lbls)
		}
	})
}
