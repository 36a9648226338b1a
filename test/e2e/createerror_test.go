package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestCreateContainerError: a pod whose hollow runtime refuses to start its
// container (an annotation of package sim that does not parse) shows
// CreateContainerError in `kubectl get pods`, with the runtime's message,
// and a Failed event in `kubectl describe`; once the annotation is fixed
// the kubelet's next try starts it.
func TestCreateContainerError(t *testing.T) {
	version := kubectlVersions[len(kubectlVersions)-1]
	s, _ := startCluster(t)
	startAgent(t, s, "cce-", 1)
	k := s.newKubectl(t, version, "e2e-createerror")
	waitNodesReady(t, k, 1)
	wantOutput(t, k.run("run", "bad", "--image=busybox", "--annotations=sim.skiff.dev/exit-after=soon"), "pod/bad created")
	waitUntil(t, "pod bad in CreateContainerError", 30*time.Second, func() (bool, string) {
		out := k.run("get", "pod", "bad", "--no-headers").stdout
		return strings.Contains(out, "0/1") && strings.Contains(out, "CreateContainerError"), out
	})
	wantOutput(t, k.run("get", "pod", "bad", "-o", "jsonpath={.status.containerStatuses[0].state.waiting.message}"),
		`annotation sim.skiff.dev/exit-after: time: invalid duration "soon"`)
	wantContains(t, "kubectl describe pod bad", k.ok("describe", "pod", "bad"), "CreateContainerError", "Failed", "invalid duration")
	wantOutput(t, k.run("annotate", "pod", "bad", "sim.skiff.dev/exit-after-"), "pod/bad annotated")
	waitUntil(t, "pod bad Running once fixed", 30*time.Second, func() (bool, string) {
		out := k.run("get", "pod", "bad", "--no-headers").stdout
		return strings.Contains(out, "1/1") && strings.Contains(out, "Running"), out
	})
}
