// Package resourcequota owns the ResourceQuota controller: it recomputes
// status.used of every ResourceQuota from the objects in its namespace,
// as upstream's resource quota controller does, and mirrors spec.hard into
// status.hard.
//
// The admission plugin (internal/apiserver/admission) charges usage when
// an object is written and releases it when one is deleted; this
// controller is what corrects drift, whatever its cause (an admission
// charge whose write failed, a pod that finished, a delete the plugin did
// not see). Both evaluate usage with internal/apis/quota, so they agree on
// every name: compute requests and limits, object counts including
// count/<resource>.<group>, and the scopes Terminating, NotTerminating,
// BestEffort, NotBestEffort and PriorityClass.
//
// Reconcile(namespace/name) lists the objects each hard name counts (pods,
// services and claims from the shared informers, any other resource
// through the metadata API, its group and version found by discovery),
// sums their usage and writes status when it differs. A quota is
// reconciled when it changes, when a pod, service, claim, ConfigMap,
// Secret or ReplicationController of its namespace changes, and on a full
// resync every five minutes (upstream's --resource-quota-sync-period).
package resourcequota
