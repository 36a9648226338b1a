// Package e2e holds Skiff's end-to-end tests: they run the real `skiff
// server` binary on a temp data dir and a free loopback port and drive it
// with the real kubectl binaries installed beside the `kubectl` on PATH
// (kubectl.1.27, kubectl.1.33, ...), checking what users see: kubectl's
// output as upstream prints it against a real cluster.
//
// The binary comes from $SKIFF_BIN (scripts/test.sh builds bin/skiff and
// sets it); when unset, the tests build ./cmd/skiff into a temp dir once.
// Run them inside a private network namespace, as scripts/test.sh does:
//
//	unshare --net sh -c 'ip link set lo up && go test ./test/e2e/'
//
// Every scenario runs once per kubectl version, against a fresh server per
// version; each scenario works in its own namespace through its own copy
// of the admin kubeconfig, so scenarios do not see each other's objects.
//
// Servers and agents are child processes (process, server_test.go),
// stopped by PID when the test that started them ends. The kubectl
// scenarios run an API-only server (startServer); the stories that need
// pods to run start a cluster one way (cluster_test.go): startCluster for
// a server with its controllers and scheduler, startAgent for `skiff agent
// --simulate N` hollow nodes, waitNodesReady to wait for them.
package e2e
