package openapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestRealKubectlExplain serves the documents (with just enough discovery
// for kubectl's REST mapper) on a loopback listener and runs every real
// kubectl found beside the one on PATH. Run it inside a private network
// namespace, as all tests that listen must be.
func TestRealKubectlExplain(t *testing.T) {
	env := newKubectlEnv(t)
	// plaintext renders the v3 document, plaintext-openapiv2 the v2 one
	// (where IntOrString reads as string, as upstream's does).
	tests := []struct {
		field, output string
		want          []string
	}{
		{"deployment.spec.strategy.rollingUpdate", "plaintext",
			[]string{"rollingUpdate <RollingUpdateDeployment>", "maxSurge\t<IntOrString>", "scheduled above the desired number"}},
		{"deployment.spec.strategy.rollingUpdate", "plaintext-openapiv2",
			[]string{"rollingUpdate <Object>", "maxSurge\t<string>", "scheduled above the desired number"}},
		{"pods.spec.containers", "plaintext",
			[]string{"containers <[]Container>", "name\t<string> -required-", "ports\t<[]ContainerPort>"}},
	}
	for _, bin := range env.binaries {
		t.Run(filepath.Base(bin), func(t *testing.T) {
			for _, tt := range tests {
				out, err := env.run(bin, "explain", tt.field, "--output", tt.output)
				if err != nil {
					t.Errorf("%s explain %s --output %s: %v\n%s", bin, tt.field, tt.output, err, out)
					continue
				}
				for _, w := range tt.want {
					if !strings.Contains(out, w) {
						t.Errorf("%s explain %s --output %s lacks %q:\n%s", bin, tt.field, tt.output, w, out)
					}
				}
			}
		})
	}
}

// TestRealKubectlDetectsFieldValidation checks that kubectl finds the
// fieldValidation parameter in the documents and so leaves validation to
// the server. Had it not, it would validate the manifest itself against
// the v2 schema and reject the unknown field before sending anything.
func TestRealKubectlDetectsFieldValidation(t *testing.T) {
	env := newKubectlEnv(t)
	manifest := filepath.Join(env.dir, "cm.yaml")
	if err := os.WriteFile(manifest, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\nbogus: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, bin := range env.binaries {
		t.Run(filepath.Base(bin), func(t *testing.T) {
			env.srv.lastFieldValidation.Store("")
			out, err := env.run(bin, "create", "-f", manifest, "--validate=strict", "--dry-run=server")
			if err != nil {
				t.Fatalf("%s create: %v\n%s", bin, err, out)
			}
			if got, _ := env.srv.lastFieldValidation.Load().(string); got != "Strict" {
				t.Errorf("%s create --validate=strict sent fieldValidation=%q; want Strict (server-side validation detected)", bin, got)
			}
		})
	}
}

// kubectlEnv is a loopback API server with the test documents, a
// kubeconfig for it and the kubectl binaries to run.
type kubectlEnv struct {
	binaries   []string
	dir        string
	kubeconfig string
	srv        *testAPI
}

func newKubectlEnv(t *testing.T) *kubectlEnv {
	t.Helper()
	if testing.Short() {
		t.Skip("runs real kubectl binaries")
	}
	env := &kubectlEnv{binaries: kubectlBinaries(), dir: t.TempDir()}
	if len(env.binaries) == 0 {
		t.Skip("no kubectl binaries on this machine")
	}
	env.srv = newTestAPI(t, shared())
	hs := httptest.NewServer(env.srv.mux)
	t.Cleanup(hs.Close)
	env.kubeconfig = filepath.Join(env.dir, "kubeconfig")
	cfg := fmt.Sprintf("apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: %q}}]\n"+
		"users: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: c, user: u, namespace: default}}]\ncurrent-context: c\n", hs.URL)
	if err := os.WriteFile(env.kubeconfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return env
}

// run runs one kubectl command against the test server.
func (e *kubectlEnv) run(bin string, args ...string) (string, error) {
	args = append([]string{"--kubeconfig", e.kubeconfig, "--cache-dir", filepath.Join(e.dir, "cache-"+filepath.Base(bin))}, args...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+e.dir)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// kubectlBinaries returns kubectl.1.NN beside the resolved kubectl on PATH.
func kubectlBinaries() []string {
	path, err := exec.LookPath("kubectl")
	if err != nil {
		return nil
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	found, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "kubectl.1.*"))
	if len(found) == 0 {
		return []string{path}
	}
	return found
}

// testAPI answers legacy discovery for testResources, serves the OpenAPI
// documents of b, and accepts (echoes) ConfigMap creates, recording their
// fieldValidation parameter.
type testAPI struct {
	mux                 *http.ServeMux
	lastFieldValidation atomic.Value // string
}

func newTestAPI(t *testing.T, b *Builder) *testAPI {
	api := &testAPI{mux: http.NewServeMux()}
	lists := map[string]*metav1.APIResourceList{}
	groups := &metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}}
	for _, r := range testResources() {
		gv := r.GVK.GroupVersion()
		l := lists[gvPath(gv)]
		if l == nil {
			l = &metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: gv.String()}
			lists[gvPath(gv)] = l
			if gv.Group != "" {
				v := metav1.GroupVersionForDiscovery{GroupVersion: gv.String(), Version: gv.Version}
				groups.Groups = append(groups.Groups, metav1.APIGroup{Name: gv.Group, Versions: []metav1.GroupVersionForDiscovery{v}, PreferredVersion: v})
			}
		}
		l.APIResources = append(l.APIResources, metav1.APIResource{Name: r.Resource, Namespaced: r.Namespaced,
			Kind: r.GVK.Kind, Verbs: r.Verbs, SingularName: strings.ToLower(r.GVK.Kind)})
	}
	mux := api.mux
	writeJSON := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(v); err != nil {
			t.Errorf("encode %T: %v", v, err)
		}
	}
	mux.HandleFunc("/api", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, metav1.APIVersions{TypeMeta: metav1.TypeMeta{Kind: "APIVersions"}, Versions: []string{"v1"}})
	})
	mux.HandleFunc("/apis", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, groups) })
	for path, l := range lists {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, l) })
	}
	mux.HandleFunc("/version", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]string{"major": "1", "minor": "33", "gitVersion": "v1.33.0"})
	})
	mux.HandleFunc("/openapi/v2", func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("Accept"), "protobuf") {
			pb, err := b.V2Protobuf()
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", ContentTypeV2Protobuf)
			_, _ = w.Write(pb)
			return
		}
		doc, _ := b.V2()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
	})
	mux.HandleFunc("/openapi/v3", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b.V3Discovery())
	})
	mux.HandleFunc("/openapi/v3/", func(w http.ResponseWriter, r *http.Request) {
		doc, found := b.V3Paths()[strings.TrimPrefix(r.URL.Path, "/openapi/v3/")]
		if !found {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
	})
	mux.HandleFunc("POST /api/v1/namespaces/default/configmaps", func(w http.ResponseWriter, r *http.Request) {
		api.lastFieldValidation.Store(r.URL.Query().Get("fieldValidation"))
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(body)
	})
	return api
}
