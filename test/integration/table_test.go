package integration

import (
	"encoding/json"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io"

// TestTables: server-side tables carry upstream's column names (kubectl
// prints them) and one row per object.
func TestTables(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	if _, err := shared.cs.CoreV1().Pods(ns).Create(ctx, newPod(ns, "web-0"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := shared.cs.AppsV1().Deployments(ns).Create(ctx, newDeployment(ns, "web"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := shared.cs.CoreV1().Services(ns).Create(ctx, newService(ns, "web"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		object  string
		columns []string
	}{
		{name: "pods", path: "/api/v1/namespaces/" + ns + "/pods", object: "web-0",
			columns: []string{"Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"}},
		{name: "deployments", path: "/apis/apps/v1/namespaces/" + ns + "/deployments", object: "web",
			columns: []string{"Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"}},
		{name: "services", path: "/api/v1/namespaces/" + ns + "/services", object: "web",
			columns: []string{"Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{tc.path, tc.path + "/" + tc.object} {
				resp, body := do(t, rawRequest{method: "GET", path: path, accept: tableAccept})
				if resp.StatusCode != 200 {
					t.Fatalf("GET %s as Table: code %d (%s)", path, resp.StatusCode, body)
				}
				var table metav1.Table
				if err := json.Unmarshal(body, &table); err != nil {
					t.Fatal(err)
				}
				if table.Kind != "Table" || table.APIVersion != "meta.k8s.io/v1" {
					t.Errorf("GET %s: kind %s apiVersion %s; want Table meta.k8s.io/v1", path, table.Kind, table.APIVersion)
				}
				var names []string
				for _, c := range table.ColumnDefinitions {
					names = append(names, c.Name)
				}
				if !reflect.DeepEqual(names, tc.columns) {
					t.Errorf("GET %s columns = %q; want %q", path, names, tc.columns)
				}
				if len(table.Rows) != 1 {
					t.Fatalf("GET %s: %d rows; want 1", path, len(table.Rows))
				}
				row := table.Rows[0]
				if len(row.Cells) != len(tc.columns) {
					t.Errorf("GET %s: %d cells; want %d", path, len(row.Cells), len(tc.columns))
				}
				var pom metav1.PartialObjectMetadata
				if err := json.Unmarshal(row.Object.Raw, &pom); err != nil || pom.Kind != "PartialObjectMetadata" || pom.Name != row.Cells[0] {
					t.Errorf("GET %s: row object %s; want PartialObjectMetadata of %v (err %v)", path, row.Object.Raw, row.Cells[0], err)
				}
			}
		})
	}
	// The service row shows its allocated ClusterIP and port.
	resp, body := do(t, rawRequest{method: "GET", path: "/api/v1/namespaces/" + ns + "/services/web", accept: tableAccept})
	var table metav1.Table
	if resp.StatusCode != 200 || json.Unmarshal(body, &table) != nil || len(table.Rows) != 1 {
		t.Fatalf("service table: %d %s", resp.StatusCode, body)
	}
	cells := table.Rows[0].Cells
	if cells[1] != "ClusterIP" || cells[4] != "80/TCP" {
		t.Errorf("service row %v; want Type ClusterIP and Port(s) 80/TCP", cells)
	}
}

// getTable GETs path as a Table.
func getTable(t *testing.T, path string) metav1.Table {
	t.Helper()
	resp, body := do(t, rawRequest{method: "GET", path: path, accept: tableAccept})
	var table metav1.Table
	if resp.StatusCode != 200 || json.Unmarshal(body, &table) != nil || table.Kind != "Table" {
		t.Fatalf("GET %s as Table: %d %s", path, resp.StatusCode, body)
	}
	return table
}

// TestScaleTable: a scale subresource asked for as a Table is printed as
// upstream prints an autoscaling/v1 Scale (kubectl get --subresource=scale).
func TestScaleTable(t *testing.T) {
	ns := newNamespace(t)
	d, err := shared.cs.AppsV1().Deployments(ns).Create(ctxFor(t), newDeployment(ns, "web"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	table := getTable(t, "/apis/apps/v1/namespaces/"+ns+"/deployments/web/scale")
	var names []string
	for _, c := range table.ColumnDefinitions {
		names = append(names, c.Name+":"+c.Type)
	}
	if want := []string{"Name:string", "Desired:integer", "Available:integer", "Age:string"}; !reflect.DeepEqual(names, want) {
		t.Errorf("scale table columns = %q; want %q", names, want)
	}
	if len(table.Rows) != 1 || table.Rows[0].Cells[0] != "web" || table.Rows[0].Cells[1] != float64(*d.Spec.Replicas) {
		t.Errorf("scale table rows = %v; want web with %d desired", table.Rows, *d.Spec.Replicas)
	}
}

// TestFinishedPodRowCondition: the table row of a Succeeded or Failed pod
// carries upstream's Completed condition; a running pod's carries none.
func TestFinishedPodRowCondition(t *testing.T) {
	ctx := ctxFor(t)
	ns := newNamespace(t)
	for name, phase := range map[string]corev1.PodPhase{"ok": corev1.PodSucceeded, "bad": corev1.PodFailed, "running": corev1.PodRunning} {
		p, err := shared.cs.CoreV1().Pods(ns).Create(ctx, newPod(ns, name), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p.Status.Phase = phase
		if _, err := shared.cs.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]string{"ok": "Completed/Succeeded", "bad": "Completed/Failed", "running": ""}
	for _, row := range getTable(t, "/api/v1/namespaces/"+ns+"/pods").Rows {
		got := ""
		for _, c := range row.Conditions {
			if c.Status == metav1.ConditionTrue {
				got = string(c.Type) + "/" + c.Reason
			}
		}
		if name := row.Cells[0].(string); got != want[name] {
			t.Errorf("pod %s row condition %q; want %q", name, got, want[name])
		}
	}
}
