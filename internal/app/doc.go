// Package app assembles Skiff's processes: RunServer starts etcd (embedded
// or external), certificates, storage, the API server and its listener,
// then bootstraps the default namespaces and the kubernetes Service. It is
// the only package that picks concrete implementations; startup reads as a
// straight script of steps, each wrapping its error.
package app
