package integration

import (
	"fmt"
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestPaginationConsistent: every page of a paginated list is served at
// the resourceVersion of the first page, as upstream: objects created,
// changed or deleted between pages do not show through.
func TestPaginationConsistent(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	cc := shared.cs.CoreV1().ConfigMaps(ns)
	var want []string
	for i := 0; i < 10; i++ {
		name := fmt.Sprintf("cm-%02d", i)
		if _, err := cc.Create(ctx, newConfigMap(ns, name), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		want = append(want, name)
	}
	page, err := cc.List(ctx, metav1.ListOptions{Limit: 4})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 4 || page.Continue == "" {
		t.Fatalf("first page: %d items, continue %q; want 4 and a token", len(page.Items), page.Continue)
	}
	// Every namespace also holds the kube-root-ca.crt ConfigMap.
	want = append(want, "kube-root-ca.crt")
	if page.RemainingItemCount == nil || *page.RemainingItemCount != 7 {
		t.Errorf("first page remainingItemCount = %v; want 7", page.RemainingItemCount)
	}
	firstRV := page.ResourceVersion
	var got []string
	for _, it := range page.Items {
		got = append(got, it.Name)
	}
	// Change the collection between pages.
	if err := cc.Delete(ctx, "cm-07", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cc.Create(ctx, newConfigMap(ns, "cm-05a"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	changed := newConfigMap(ns, "cm-08")
	changed.Data = map[string]string{"key": "changed"}
	if _, err := cc.Update(ctx, changed, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	for page.Continue != "" {
		page, err = cc.List(ctx, metav1.ListOptions{Limit: 4, Continue: page.Continue})
		if err != nil {
			t.Fatalf("next page: %v", err)
		}
		if page.ResourceVersion != firstRV {
			t.Errorf("page resourceVersion %s; want the first page's %s", page.ResourceVersion, firstRV)
		}
		for _, it := range page.Items {
			got = append(got, it.Name)
			if it.Name == "cm-08" && it.Data["key"] != "value" {
				t.Errorf("cm-08 on a later page has data %v; want the version of the first page's snapshot", it.Data)
			}
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("paginated names = %v; want %v", got, want)
	}
	all, err := cc.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Items) != 11 {
		t.Errorf("full list after the changes has %d items; want 11", len(all.Items))
	}
}
