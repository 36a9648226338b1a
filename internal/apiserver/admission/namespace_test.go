package admission

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestNamespaceLifecycle(t *testing.T) {
	now := metav1.Now()
	terminating := namespace("gone", nil)
	terminating.DeletionTimestamp = &now
	store := newMemStore(namespace("ns", nil), terminating)
	p := &NamespaceLifecycle{store: store}
	tests := []struct {
		name    string
		ns      string
		wantErr string
		check   func(error) bool
	}{
		{name: "existing namespace", ns: "ns"},
		{name: "missing namespace", ns: "nope", wantErr: `namespaces "nope" not found`, check: apierrors.IsNotFound},
		{name: "terminating namespace", ns: "gone", check: apierrors.IsForbidden,
			wantErr: `pods "p" is forbidden: unable to create new content in namespace gone because it is being terminated`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := createAttrs(pod("p", func(p *corev1.Pod) { p.Namespace = tt.ns }))
			err := p.Mutate(context.Background(), a)
			if errString(err) != tt.wantErr || (tt.check != nil && !tt.check(err)) {
				t.Errorf("Mutate(pod in %s) = %v; want %q", tt.ns, err, tt.wantErr)
			}
		})
	}
	se, _ := p.Mutate(context.Background(), createAttrs(pod("p", func(p *corev1.Pod) { p.Namespace = "gone" }))).(*apierrors.StatusError)
	if se == nil || len(se.ErrStatus.Details.Causes) != 1 || se.ErrStatus.Details.Causes[0].Type != corev1.NamespaceTerminatingCause {
		t.Errorf("terminating namespace error %v; want a NamespaceTerminating cause", se)
	}
}
