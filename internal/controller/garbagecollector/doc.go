// Package garbagecollector owns the garbage collector: it deletes objects
// whose owners are gone and carries out foreground and orphan deletion, as
// upstream's garbage collector does.
//
// It watches every resource discovery lists with list, watch and delete,
// and keeps a graph of owner references keyed by UID (graph.go). As
// upstream's collector reuses kube-controller-manager's typed informers,
// it watches a resource through an informer the process already runs
// when there is one (Config.Shared: typed ones for pods and ReplicaSets,
// so those are watched once for all controllers; the quota controller's
// metadata-only one for ConfigMaps), and through a metadata informer
// (as=PartialObjectMetadata) of its own otherwise. The controller is keyed by UID too:
// Request{Name: uid}. Reconcile reads the node from the graph and decides
// (decide.go, pure):
//
//   - an object being deleted with the "orphan" finalizer: strip the
//     reference to it from every dependent, then remove the finalizer;
//   - an object being deleted with the "foregroundDeletion" finalizer:
//     delete its dependents, and remove the finalizer once no dependent
//     with blockOwnerDeletion remains;
//   - an object with owner references: owners that do not exist (checked
//     live when the graph has not seen them, so a young owner is never
//     mistaken for a gone one) are dangling. With no owner left alive it is
//     deleted (foreground when an owner waits for it and it has dependents
//     of its own, background otherwise); with some alive, the references to
//     dangling owners are removed and those to waiting owners unblocked.
//
// Events only update the graph and enqueue the UIDs whose decision may have
// changed: the object, its owners and its dependents. Discovery is re-read
// every 30 s so resources added later (CRDs) are watched too.
package garbagecollector
