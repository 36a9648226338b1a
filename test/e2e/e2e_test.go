package e2e

import "testing"

// scenario is one user story told through kubectl; it runs in namespace
// ns (created for it) with a kubectl whose context points there.
type scenario struct {
	name string
	ns   string
	run  func(t *testing.T, k *kubectl)
}

// scenarios run in this order, once per kubectl version.
var scenarios = []scenario{
	{"apply", "e2e-apply", testApply},
	{"get", "e2e-get", testGet},
	{"get-watch", "e2e-watch", testGetWatch},
	{"describe", "e2e-describe", testDescribe},
	{"label-annotate", "e2e-label", testLabelAnnotate},
	{"patch", "e2e-patch", testPatch},
	{"scale-set-image", "e2e-scale", testScaleSetImage},
	{"delete", "e2e-delete", testDelete},
	{"workloads", "e2e-workloads", testWorkloads},
	{"discovery", "default", testDiscovery},
	{"explain", "default", testExplain},
	{"auth", "default", testAuth},
	{"tokens", "e2e-tokens", testTokens},
	{"set-context", "e2e-context", testSetContext},
	{"server-side-apply", "e2e-ssa", testServerSideApply},
	{"diff", "e2e-diff", testDiff},
	{"create", "e2e-create", testCreate},
	{"events", "e2e-events", testEvents},
	{"errors", "e2e-errors", testErrors},
}

// TestKubectl runs every scenario with every kubectl version, each version
// against its own fresh server.
func TestKubectl(t *testing.T) {
	for _, version := range kubectlVersions {
		t.Run(version, func(t *testing.T) {
			srv := startServer(t)
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) {
					sc.run(t, srv.newKubectl(t, version, sc.ns))
				})
			}
		})
	}
}
