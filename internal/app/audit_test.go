package app

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/skiff-dev/skiff/internal/apiserver/audit"
)

// TestAuditLog runs a server with a policy that logs secrets at Metadata
// and configmaps at RequestResponse, and reads the events back.
func TestAuditLog(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	policy := writeFile(t, filepath.Join(dir, "policy.yaml"), `
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  resources: [{group: "", resources: [secrets]}]
- level: RequestResponse
  resources: [{group: "", resources: [configmaps]}]
  verbs: [create]
- level: Metadata
  resources: [{group: "", resources: [endpoints]}]
  verbs: [get]
`)
	logPath := filepath.Join(dir, "audit", "audit.log")
	srv, _ := startAt(t, dir, ServerConfig{AuditPolicyFile: policy, AuditLogPath: logPath})
	// Bodies are attached when they are JSON, as kubectl sends them.
	jsonCfg := srv.Loopback()
	jsonCfg.ContentType = "application/json"
	jsonCfg.AcceptContentTypes = "application/json"
	jsonCfg.UserAgent = "audit-test"
	cs, err := kubernetes.NewForConfig(jsonCfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Secrets("default").Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s"}, StringData: map[string]string{"k": "hidden-value"}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create secret: %v", err)
	}
	if _, err := cs.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c"}, Data: map[string]string{"k": "v"}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create configmap: %v", err)
	}
	// In-process clients send and accept protobuf: their bodies are logged
	// as JSON all the same, as upstream logs objects whatever the wire.
	pbCfg := srv.Loopback()
	pbCfg.UserAgent = "audit-test-protobuf"
	pbcs, err := kubernetes.NewForConfig(pbCfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pbcs.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "pb"}, Data: map[string]string{"k": "v"}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create configmap over protobuf: %v", err)
	}
	if _, err := cs.CoreV1().Secrets("default").Get(ctx, "missing", metav1.GetOptions{}); err == nil {
		t.Fatalf("get missing secret: want NotFound")
	}
	// v1 Endpoints is deprecated: upstream annotates its events.
	if _, err := cs.CoreV1().Endpoints("default").Get(ctx, "kubernetes", metav1.GetOptions{}); err != nil {
		t.Fatalf("get endpoints: %v", err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("Stop() = %v", err)
	}

	f, err := os.Open(logPath)
	if err != nil {
		t.Fatalf("open audit log: %v", err)
	}
	defer f.Close()
	found := map[string]audit.Event{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev audit.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("audit line %s: %v", sc.Text(), err)
		}
		if ev.Stage != audit.StageResponseComplete {
			t.Errorf("event stage %s; want only ResponseComplete (RequestReceived omitted)", ev.Stage)
		}
		if ev.ObjectRef != nil && ev.UserAgent == "audit-test" {
			found[ev.Verb+" "+ev.ObjectRef.Resource+"/"+ev.ObjectRef.Name] = ev
		}
		if ev.ObjectRef != nil && ev.UserAgent == "audit-test-protobuf" {
			found["protobuf "+ev.Verb+" "+ev.ObjectRef.Resource+"/"+ev.ObjectRef.Name] = ev
		}
	}
	tests := []struct {
		name      string
		key       string
		level     audit.Level
		code      int32
		wantReq   bool
		wantRespK string
	}{
		{name: "secret create at Metadata", key: "create secrets/", level: audit.LevelMetadata, code: 201},
		{name: "missing secret get", key: "get secrets/missing", level: audit.LevelMetadata, code: 404},
		{name: "configmap create with bodies", key: "create configmaps/", level: audit.LevelRequestResponse, code: 201, wantReq: true, wantRespK: `"name":"c"`},
		{name: "configmap create over protobuf, bodies as JSON", key: "protobuf create configmaps/", level: audit.LevelRequestResponse, code: 201, wantReq: true, wantRespK: `"name":"pb"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, ok := found[tt.key]
			if !ok {
				t.Fatalf("no event %q in %v", tt.key, keys(found))
			}
			if ev.Level != tt.level || ev.ResponseStatus == nil || ev.ResponseStatus.Code != tt.code || ev.User.Username != "system:apiserver" || ev.AuditID == "" {
				t.Errorf("event = %+v; want level %s, code %d, user system:apiserver, an auditID", ev, tt.level, tt.code)
			}
			if (len(ev.RequestObject) > 0) != tt.wantReq || !strings.Contains(string(ev.ResponseObject), tt.wantRespK) {
				t.Errorf("requestObject = %s, responseObject = %s; want request %v, response containing %q", ev.RequestObject, ev.ResponseObject, tt.wantReq, tt.wantRespK)
			}
			if tt.wantReq && !strings.Contains(string(ev.RequestObject), `"kind":"ConfigMap"`) {
				t.Errorf("requestObject = %s; want the ConfigMap as JSON", ev.RequestObject)
			}
			if strings.Contains(string(ev.RequestObject)+string(ev.ResponseObject), "hidden-value") {
				t.Errorf("event carries secret data at %s", ev.Level)
			}
		})
	}
	if ev := found["get endpoints/kubernetes"]; ev.Annotations["k8s.io/deprecated"] != "true" {
		t.Errorf("get endpoints event annotations = %v; want k8s.io/deprecated=true", ev.Annotations)
	}
	if ev := found["get secrets/missing"]; ev.Annotations["k8s.io/deprecated"] != "" {
		t.Errorf("get secrets event annotations = %v; want no k8s.io/deprecated", ev.Annotations)
	}
	if _, ok := found["list secrets/"]; ok {
		t.Errorf("found an event for a request no rule matches")
	}
}

func keys(m map[string]audit.Event) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
