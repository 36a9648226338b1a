package storage

import (
	"sync/atomic"
	"testing"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
)

func TestAttrsMatchAsTheMapsDo(t *testing.T) {
	ls := map[string]string{"app": "web", "tier": "", "z": "last"}
	fs := map[string]string{"metadata.name": "p", "spec.nodeName": "", "status.phase": "Running"}
	for _, sel := range []string{"app=web", "app!=web", "tier", "!tier", "missing", "!missing", "app in (web,db)", "z=last,app=web", ""} {
		s, err := labels.Parse(sel)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := s.Matches(compactAttrs(ls)), s.Matches(labels.Set(ls)); got != want {
			t.Errorf("labels %q: %v, map says %v", sel, got, want)
		}
	}
	for _, sel := range []string{"spec.nodeName=", "spec.nodeName!=", "status.phase=Running", "metadata.name!=p", "other=x", "other!=x", "metadata.name=p,status.phase=Running"} {
		s, err := fields.ParseSelector(sel)
		if err != nil {
			t.Fatal(err)
		}
		var shared atomic.Pointer[fieldKeys]
		fa := compactFields(fs, &shared)
		if got, want := s.Matches(&fa), s.Matches(fields.Set(fs)); got != want {
			t.Errorf("fields %q: %v, map says %v", sel, got, want)
		}
	}
	if a := compactAttrs(nil); a.Has("x") || a.Get("x") != "" {
		t.Error("an empty set has x")
	}
	var none fieldAttrs
	if none.Has("x") || none.Get("x") != "" {
		t.Error("an empty field set has x")
	}
}

// TestFieldsShareKeys: objects of one kind share their field names, and an
// object with another set of names gets its own, right.
func TestFieldsShareKeys(t *testing.T) {
	var shared atomic.Pointer[fieldKeys]
	a := compactFields(map[string]string{"metadata.name": "a", "status.phase": "Running"}, &shared)
	b := compactFields(map[string]string{"metadata.name": "b", "status.phase": "Pending"}, &shared)
	if a.keys != b.keys {
		t.Error("two objects with the same field names hold two sets of names; want one shared")
	}
	if a.Get("status.phase") != "Running" || b.Get("status.phase") != "Pending" || b.Get("metadata.name") != "b" {
		t.Errorf("values: a %v, b %v", a.vals, b.vals)
	}
	c := compactFields(map[string]string{"metadata.name": "c", "type": "Opaque"}, &shared)
	if c.Get("type") != "Opaque" || c.Has("status.phase") || a.Get("status.phase") != "Running" {
		t.Errorf("another set of names: c %v (keys %v), a %v", c.vals, c.keys.names, a.vals)
	}
	if !a.equal(&a) || a.equal(&b) || a.equal(&c) {
		t.Error("equal disagrees with the values")
	}
}

func BenchmarkMatchFields(b *testing.B) {
	var shared atomic.Pointer[fieldKeys]
	fa := compactFields(map[string]string{"metadata.name": "p", "spec.nodeName": "node-1", "status.phase": "Running"}, &shared)
	s := fields.OneTermEqualSelector("spec.nodeName", "node-2")
	b.ReportAllocs()
	for b.Loop() {
		s.Matches(&fa)
	}
}
