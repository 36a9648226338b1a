package printers

import (
	"reflect"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// now is the fixed clock every test prints against.
var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// ago is the time d before now.
func ago(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }

func agoPtr(d time.Duration) *metav1.Time { t := ago(d); return &t }

// rowCase is one object and the cells upstream prints for it.
type rowCase struct {
	name string
	obj  runtime.Object
	want []interface{}
}

// checkRows prints each case with the printer of gvk and compares cells.
func checkRows(t *testing.T, gvk schema.GroupVersionKind, tests []rowCase) {
	t.Helper()
	p := For(gvk)
	if p == nil {
		t.Fatalf("For(%v) = nil; want a printer", gvk)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := p.Row(tc.obj, now)
			if err != nil {
				t.Fatalf("Row() error = %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Row() =\n  %#v\nwant\n  %#v", got, tc.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
