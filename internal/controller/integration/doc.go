// Package integration tests the controllers end to end: one server started
// through app.StartServer (embedded etcd in a temp dir, loopback only) runs
// them, and the tests drive it with client-go and wait for the outcome.
// Pods never run here (no kubelet); tests that need running or ready pods
// write pods/status themselves.
package integration
