package printers

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
)

// Descriptions shared by many kinds' columns, worded as upstream words them.
const (
	containersDescription = "Names of each container in the template."
	imagesDescription     = "Images referenced by each container in the template."
)

var objectMetaDoc = metav1.ObjectMeta{}.SwaggerDoc()

// nameColumn is the NAME column every printer starts with.
func nameColumn() metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: "Name", Type: "string", Format: "name", Description: objectMetaDoc["name"]}
}

// ageColumn is the AGE column, the object's creation time as a duration.
func ageColumn() metav1.TableColumnDefinition {
	return column("Age", "string", objectMetaDoc["creationTimestamp"])
}

// column is a column shown by default.
func column(name, typ, description string) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: typ, Description: description}
}

// wideColumn is a column shown only with -o wide (priority 1).
func wideColumn(name, typ, description string) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: typ, Priority: 1, Description: description}
}

// containerColumns are the wide CONTAINERS and IMAGES columns of workloads.
func containerColumns() []metav1.TableColumnDefinition {
	return []metav1.TableColumnDefinition{
		wideColumn("Containers", "string", containersDescription),
		wideColumn("Images", "string", imagesDescription),
	}
}

// columns joins column groups into one slice.
func columns(groups ...[]metav1.TableColumnDefinition) []metav1.TableColumnDefinition {
	var out []metav1.TableColumnDefinition
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// typed adapts a row function of one concrete type to Printer.Row.
func typed[T runtime.Object](cols []metav1.TableColumnDefinition, row func(T, time.Time) []interface{}) *Printer {
	return typedErr(cols, func(obj T, now time.Time) ([]interface{}, error) {
		return row(obj, now), nil
	})
}

// typedErr is typed for row functions that can fail.
func typedErr[T runtime.Object](cols []metav1.TableColumnDefinition, row func(T, time.Time) ([]interface{}, error)) *Printer {
	return &Printer{
		Columns: cols,
		Row: func(obj runtime.Object, now time.Time) ([]interface{}, error) {
			o, ok := obj.(T)
			if !ok {
				var want T
				return nil, unexpectedType(obj, want)
			}
			return row(o, now)
		},
	}
}

func unexpectedType(got, want runtime.Object) error {
	return apierrors.NewInternalError(fmt.Errorf("table printer for %T cannot print %T", want, got))
}

// age renders how long ago ts was, as upstream's translateTimestampSince.
func age(ts metav1.Time, now time.Time) string {
	if ts.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(ts.Time))
}

// microAge is age for a MicroTime.
func microAge(ts metav1.MicroTime, now time.Time) string {
	if ts.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(ts.Time))
}

// containerCells lays out the names and images of containers on one line
// each, comma separated.
func containerCells(containers []corev1.Container) (names, images string) {
	n := make([]string, len(containers))
	im := make([]string, len(containers))
	for i, c := range containers {
		n[i], im[i] = c.Name, c.Image
	}
	return strings.Join(n, ","), strings.Join(im, ",")
}

// listWithMore joins at most max items of a list of count, marking the rest
// as "+ N more...", and "<unset>" for an empty list.
func listWithMore(list []string, more bool, count, max int) string {
	ret := strings.Join(list, ",")
	if more {
		return fmt.Sprintf("%s + %d more...", ret, count-max)
	}
	if ret == "" {
		return "<unset>"
	}
	return ret
}

// boolPtrString renders an optional bool as "True", "False" or "<unset>".
func boolPtrString(v *bool) string {
	switch {
	case v == nil:
		return "<unset>"
	case *v:
		return "True"
	default:
		return "False"
	}
}

// int32Value is *p, or 0 when p is nil (how an unset replica count converts).
func int32Value(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

// stringOr returns s, or def when s is empty.
func stringOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
