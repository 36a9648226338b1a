package apiserver

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/kubernetes/scheme"
)

func TestDecodeDeleteOptions(t *testing.T) {
	s := &Server{codecs: serializer.NewCodecFactory(scheme.Scheme)}
	tests := []struct {
		name string
		body string
		want metav1.DeletionPropagation
	}{
		{"empty body", "", ""},
		{"kubectl 1.33 (meta.k8s.io/v1)", `{"kind":"DeleteOptions","apiVersion":"meta.k8s.io/v1","propagationPolicy":"Background"}`, metav1.DeletePropagationBackground},
		{"core v1", `{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Foreground"}`, metav1.DeletePropagationForeground},
		{"group version", `{"kind":"DeleteOptions","apiVersion":"apps/v1","propagationPolicy":"Orphan"}`, metav1.DeletePropagationOrphan},
		{"no type meta", `{"propagationPolicy":"Background"}`, metav1.DeletePropagationBackground},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := &metav1.DeleteOptions{}
			if err := s.decodeOptions([]byte(tt.body), opts, metav1.SchemeGroupVersion.WithKind("DeleteOptions")); err != nil {
				t.Fatalf("decodeOptions(%s) = %v; want no error", tt.body, err)
			}
			got := metav1.DeletionPropagation("")
			if opts.PropagationPolicy != nil {
				got = *opts.PropagationPolicy
			}
			if got != tt.want {
				t.Errorf("decodeOptions(%s): propagationPolicy %q; want %q", tt.body, got, tt.want)
			}
		})
	}
}
