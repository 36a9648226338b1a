package storage

import (
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
		if got, want := s.Matches(compactAttrs(fs)), s.Matches(fields.Set(fs)); got != want {
			t.Errorf("fields %q: %v, map says %v", sel, got, want)
		}
	}
	if a := compactAttrs(nil); a.Has("x") || a.Get("x") != "" {
		t.Error("an empty set has x")
	}
}
