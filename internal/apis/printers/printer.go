package printers

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Printer renders objects of one kind as rows of a metav1.Table, the way
// upstream's server-side printers do for kubectl get.
type Printer struct {
	// Columns are the column definitions, in order. Columns with Priority 1
	// appear only with -o wide.
	Columns []metav1.TableColumnDefinition
	// Row returns the cells of obj, one per column. now is the time ages
	// are measured against.
	Row func(obj runtime.Object, now time.Time) ([]interface{}, error)
	// Conditions, when not nil, returns the conditions of obj's row
	// (metav1.TableRow.Conditions), nil for a row without any. Upstream
	// sets them only on pods: Completed for a succeeded or failed pod.
	Conditions func(obj runtime.Object) []metav1.TableRowCondition
}
