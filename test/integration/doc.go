// Package integration owns the API server's integration suite: an
// in-process `skiff server` (app.StartServer) on an embedded etcd in a
// temporary directory, driven over real HTTPS by client-go with the admin
// kubeconfig the server writes.
//
// One server is shared by every test of the package (TestMain starts it);
// tests isolate themselves with a fresh namespace or unique names
// (newNamespace, uniqueName) and never stop the shared server. A test that
// must restart a server (informers across a restart) starts its own with
// startServer on its own data directory.
//
// The suite listens on loopback only; run it inside a private network
// namespace, as scripts/test.sh does:
//
//	unshare --net sh -c 'ip link set lo up && go test ./test/integration/...'
//
// Set SKIFF_TEST_LOG=1 to see the server's log.
package integration
