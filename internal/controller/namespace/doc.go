// Package namespace owns the namespace controller: it empties namespaces
// being deleted and then finalizes them, as upstream's namespace
// controller does.
//
// For a namespace with a deletionTimestamp whose spec.finalizers still hold
// "kubernetes", Reconcile
//
//  1. discovers every namespaced resource that can be listed and deleted;
//  2. deletes its content: deletecollection per resource (list and delete
//     one by one where deletecollection is not served);
//  3. counts what is left and the finalizers that hold it, writes the
//     upstream conditions (NamespaceDeletionDiscoveryFailure,
//     NamespaceDeletionGroupVersionParsingFailure,
//     NamespaceDeletionContentFailure, NamespaceContentRemaining,
//     NamespaceFinalizersRemaining) to status, and polls while anything
//     remains;
//  4. once empty, removes "kubernetes" through namespaces/{name}/finalize,
//     after which the API server removes the namespace.
//
// The decisions (which resources, which conditions, which finalizers stay)
// are pure functions in conditions.go and resources.go; reconcile.go
// performs them with client-go.
package namespace
