// Package quota owns ResourceQuota usage evaluation, shared by the
// ResourceQuota admission plugin (internal/apiserver/admission), which
// charges usage when objects are written, and the resourcequota
// controller (internal/controller/resourcequota), which recomputes
// status.used from every object.
//
// Usage(gr, obj) is what one object charges, by quota resource name:
// count/<resource>[.<group>] and the legacy bare names (pods, services,
// ...); for pods requests.*, limits.* and bare cpu/memory/ephemeral-storage
// (nothing for a Succeeded or Failed pod); services.nodeports and
// services.loadbalancers; requests.storage and the per-StorageClass names
// for claims. ScopesMatch(q, obj) applies spec.scopes and
// spec.scopeSelector (Terminating, NotTerminating, BestEffort,
// NotBestEffort, PriorityClass, CrossNamespacePodAffinity; scoped quotas
// match pods only). Compute sums both over a namespace's objects.
//
// The package is pure: callers supply the objects.
package quota
