package e2e

import (
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// serviceCIDR is skiff server's default --service-cidr.
const serviceCIDR = "10.43.0.0/16"

// testGet: kubectl get in every output format users reach for.
func testGet(t *testing.T, k *kubectl) {
	applyWhoami(k)

	t.Run("table", func(t *testing.T) {
		tb := parseTable(t, k.ok("get", "deployments"))
		wantHeaders(t, tb, "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE")
		row := tb.row(t, "NAME", "whoami-deployment")
		wantCells(t, row, map[string]string{"READY": "0/3", "UP-TO-DATE": "0", "AVAILABLE": "0"})
		wantAge(t, row, "AGE")
	})
	t.Run("wide", func(t *testing.T) {
		tb := parseTable(t, k.ok("get", "deployment", "-o", "wide"))
		wantHeaders(t, tb, "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR")
		wantCells(t, tb.row(t, "NAME", "whoami-deployment"), map[string]string{
			"CONTAINERS": "whoami", "IMAGES": "jwilder/whoami", "SELECTOR": "app=whoami"})

		tb = parseTable(t, k.ok("get", "service", "whoami-service", "-o", "wide"))
		wantHeaders(t, tb, "NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR")
		row := tb.row(t, "NAME", "whoami-service")
		wantCells(t, row, map[string]string{"TYPE": "ClusterIP", "EXTERNAL-IP": "<none>", "PORT(S)": "80/TCP", "SELECTOR": "app=whoami"})
		wantServiceIP(t, row["CLUSTER-IP"])
	})
	t.Run("yaml", func(t *testing.T) {
		var d appsv1.Deployment
		if err := yaml.UnmarshalStrict([]byte(k.ok("get", "deployment", "whoami-deployment", "-o", "yaml")), &d); err != nil {
			t.Fatalf("decode -o yaml: %v", err)
		}
		wantDeployment(t, k, &d)
	})
	t.Run("json", func(t *testing.T) {
		var d appsv1.Deployment
		if err := json.Unmarshal([]byte(k.ok("get", "deployment", "whoami-deployment", "-o", "json")), &d); err != nil {
			t.Fatalf("decode -o json: %v", err)
		}
		wantDeployment(t, k, &d)

		var svc corev1.Service
		if err := json.Unmarshal([]byte(k.ok("get", "service", "whoami-service", "-o", "json")), &svc); err != nil {
			t.Fatalf("decode service: %v", err)
		}
		wantServiceIP(t, svc.Spec.ClusterIP)
		if p := svc.Spec.Ports; len(p) != 1 || p[0].Protocol != corev1.ProtocolTCP || p[0].TargetPort.IntValue() != 8000 {
			t.Errorf("service ports = %+v; want one TCP port 80 -> 8000", p)
		}
		if svc.Spec.SessionAffinity != corev1.ServiceAffinityNone {
			t.Errorf("sessionAffinity = %q; want None (defaulted)", svc.Spec.SessionAffinity)
		}
	})
	t.Run("jsonpath", func(t *testing.T) {
		wantOutput(t, k.run("get", "deployment", "whoami-deployment", "-o", "jsonpath={.spec.replicas}"), "3")
		wantOutput(t, k.run("get", "deployments", "-o", "jsonpath={.items[*].metadata.name}"), "whoami-deployment")
	})
	t.Run("name", func(t *testing.T) {
		wantOutput(t, k.run("get", "deployments,services", "-o", "name"),
			"deployment.apps/whoami-deployment\nservice/whoami-service")
	})
	t.Run("selector", func(t *testing.T) {
		tb := parseTable(t, k.ok("get", "deployments", "-l", "app=whoami"))
		tb.row(t, "NAME", "whoami-deployment")
		r := k.run("get", "deployments", "-l", "app=other")
		if r.code != 0 || r.stdout != "" || strings.TrimSpace(r.stderr) != "No resources found in "+k.ns+" namespace." {
			t.Errorf("get -l app=other: exit %d, stdout %q, stderr %q; want exit 0 and \"No resources found in %s namespace.\"",
				r.code, r.stdout, r.stderr, k.ns)
		}
	})
	t.Run("label-columns", func(t *testing.T) {
		tb := parseTable(t, k.ok("get", "deployments", "-L", "app"))
		wantHeaders(t, tb, "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "APP")
		wantCells(t, tb.row(t, "NAME", "whoami-deployment"), map[string]string{"APP": "whoami"})

		tb = parseTable(t, k.ok("get", "deployments", "--show-labels"))
		wantHeaders(t, tb, "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "LABELS")
		wantCells(t, tb.row(t, "NAME", "whoami-deployment"), map[string]string{"LABELS": "app=whoami"})
	})
	t.Run("all-namespaces", func(t *testing.T) {
		tb := parseTable(t, k.ok("get", "deployments", "-A"))
		wantHeaders(t, tb, "NAMESPACE", "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE")
		wantCells(t, tb.row(t, "NAMESPACE", k.ns), map[string]string{"NAME": "whoami-deployment", "READY": "0/3"})

		tb = parseTable(t, k.ok("get", "services", "--all-namespaces"))
		wantCells(t, tb.row(t, "NAME", "kubernetes"), map[string]string{"NAMESPACE": "default", "PORT(S)": "443/TCP"})
	})
	t.Run("all", func(t *testing.T) {
		out := k.ok("get", "all")
		wantContains(t, "get all", out, "service/whoami-service", "deployment.apps/whoami-deployment")
	})
}

// wantDeployment checks the whoami Deployment as the server stored it:
// metadata filled in and defaults applied.
func wantDeployment(t *testing.T, k *kubectl, d *appsv1.Deployment) {
	t.Helper()
	if d.APIVersion != "apps/v1" || d.Kind != "Deployment" {
		t.Errorf("apiVersion, kind = %q, %q; want apps/v1, Deployment", d.APIVersion, d.Kind)
	}
	if d.Name != "whoami-deployment" || d.Namespace != k.ns {
		t.Errorf("name = %s/%s; want %s/whoami-deployment", d.Namespace, d.Name, k.ns)
	}
	if d.UID == "" || d.ResourceVersion == "" || d.CreationTimestamp.IsZero() || d.Generation != 1 {
		t.Errorf("uid %q, resourceVersion %q, creationTimestamp %v, generation %d; want all set, generation 1",
			d.UID, d.ResourceVersion, d.CreationTimestamp, d.Generation)
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 3 {
		t.Errorf("spec.replicas = %v; want 3", d.Spec.Replicas)
	}
	if d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || d.Spec.RevisionHistoryLimit == nil {
		t.Errorf("strategy %q, revisionHistoryLimit %v; want defaults RollingUpdate, 10", d.Spec.Strategy.Type, d.Spec.RevisionHistoryLimit)
	}
	c := d.Spec.Template.Spec.Containers
	if len(c) != 1 || c[0].Image != "jwilder/whoami" || len(c[0].Ports) != 1 || c[0].Ports[0].ContainerPort != 8000 {
		t.Fatalf("containers = %+v; want whoami jwilder/whoami :8000", c)
	}
	if c[0].TerminationMessagePath != "/dev/termination-log" || c[0].ImagePullPolicy != corev1.PullAlways {
		t.Errorf("container defaults: terminationMessagePath %q, imagePullPolicy %q; want /dev/termination-log, Always",
			c[0].TerminationMessagePath, c[0].ImagePullPolicy)
	}
}

// wantServiceIP checks that ip is an address of the service CIDR.
func wantServiceIP(t *testing.T, ip string) {
	t.Helper()
	_, cidr, _ := net.ParseCIDR(serviceCIDR)
	if parsed := net.ParseIP(ip); parsed == nil || !cidr.Contains(parsed) {
		t.Errorf("cluster IP = %q; want an address in %s", ip, serviceCIDR)
	}
}

// testGetWatch: get -w prints the table, then a row per change.
func testGetWatch(t *testing.T, k *kubectl) {
	applyWhoami(k)
	w := k.start("get", "deployments", "-w")
	header, ok := w.next(commandTimeout)
	if !ok || strings.Join(strings.Fields(header), " ") != "NAME READY UP-TO-DATE AVAILABLE AGE" {
		t.Fatalf("first line of get -w = %q (ok %v); want the table header (stderr %q)", header, ok, w.stderr)
	}
	first, ok := w.next(commandTimeout)
	if f := strings.Fields(first); !ok || len(f) != 5 || f[0] != "whoami-deployment" || f[1] != "0/3" {
		t.Fatalf("second line of get -w = %q; want the whoami-deployment row with 0/3", first)
	}

	wantOutput(t, k.run("scale", "deployment", "whoami-deployment", "--replicas=7"), "deployment.apps/whoami-deployment scaled")
	deadline := time.Now().Add(commandTimeout)
	for {
		line, ok := w.next(time.Until(deadline))
		if !ok {
			t.Fatalf("get -w printed no row with 0/7 after scale (stderr %q)", w.stderr)
		}
		if f := strings.Fields(line); len(f) == 5 && f[0] == "whoami-deployment" && f[1] == "0/7" {
			break
		}
	}
	w.stop()
}

// testDescribe: describe of a Deployment, a Service and a Namespace.
func testDescribe(t *testing.T, k *kubectl) {
	applyWhoami(k)
	out := k.ok("describe", "deployment", "whoami-deployment")
	wantLines(t, out,
		"Name: whoami-deployment",
		"Namespace: "+k.ns,
		"Labels: app=whoami",
		"Annotations: <none>",
		"Selector: app=whoami",
		"Replicas: 3 desired | 0 updated | 0 total | 0 available | 0 unavailable",
		"StrategyType: RollingUpdate",
		"MinReadySeconds: 0",
		"RollingUpdateStrategy: 25% max unavailable, 25% max surge",
		"Pod Template:",
		"Labels: app=whoami",
		"whoami:",
		"Image: jwilder/whoami",
		"Port: 8000/TCP",
		"Events: <none>",
	)

	ip := k.ok("get", "service", "whoami-service", "-o", "jsonpath={.spec.clusterIP}")
	out = k.ok("describe", "service", "whoami-service")
	wantLines(t, out,
		"Name: whoami-service",
		"Namespace: "+k.ns,
		"Labels: <none>",
		"Selector: app=whoami",
		"Type: ClusterIP",
		"IP Family Policy: SingleStack",
		"IP Families: IPv4",
		"IP: "+ip,
		"IPs: "+ip,
		"Port: <unset> 80/TCP",
		"TargetPort: 8000/TCP",
		"Session Affinity: None",
		"Events: <none>",
	)

	out = k.ok("describe", "namespace", "default")
	wantLines(t, out,
		"Name: default",
		"Labels: kubernetes.io/metadata.name=default",
		"Annotations: <none>",
		"Status: Active",
		"No resource quota.",
		"No LimitRange resource.",
	)
}
