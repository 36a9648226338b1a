// Package printers owns the server-side table columns of every served kind:
// the NAME/READY/STATUS/RESTARTS/AGE of pods and their likes, with the
// wide-only columns marked priority 1, as upstream's printers define them.
//
// Columns, names, types, descriptions and cell values follow upstream's
// pkg/printers/internalversion (Kubernetes 1.33). Like upstream's API server,
// a Row always carries every column, wide ones included; kubectl hides the
// priority-1 columns unless asked for -o wide. Load balancer and ingress
// addresses are therefore never elided.
//
// The API server answers a request for a Table like this:
//
//	p := printers.For(gvk) // nil: upstream has no printer for the kind
//	if p == nil {
//		p = printers.Default() // NAME, CREATED AT
//	}
//	table := metav1.Table{ColumnDefinitions: p.Columns}
//	for _, obj := range items {
//		cells, err := p.Row(obj, now) // now: the clock ages are measured on
//		if err != nil {
//			return err // an apimachinery StatusError
//		}
//		row := metav1.TableRow{Cells: cells, Object: runtime.RawExtension{Object: obj}}
//		if p.Conditions != nil {
//			row.Conditions = p.Conditions(obj) // pods: Completed
//		}
//		table.Rows = append(table.Rows, row)
//	}
//
// Row takes the typed k8s.io/api object of a served version (for example
// *autoscalingv1.HorizontalPodAutoscaler or *autoscalingv2.HorizontalPodAutoscaler,
// *corev1.Event or *eventsv1.Event) and is safe for concurrent use. Printers
// are built once and shared; callers must not modify them.
package printers
