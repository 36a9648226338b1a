// Package defaults owns server-side defaulting of the typed external API
// objects (k8s.io/api core/v1, apps/v1, batch/v1, autoscaling/v1 and v2,
// coordination/v1, discovery/v1, events/v1, networking/v1, policy/v1,
// rbac/v1, scheduling/v1, storage/v1, certificates/v1).
//
// The rules follow upstream Kubernetes 1.33's pkg/apis/<group>/v1/defaults.go
// and the generated per-type defaulters, with 1.33's default feature gates:
// a field is filled only when the client left it unset, nested types (pod
// templates inside workloads and job templates, claim templates inside
// StatefulSets, every volume source, probe and port) get their own defaults
// too, and every ResourceList is rounded up to milli precision. A few values
// that upstream assigns in a registry strategy rather than a defaulter are
// filled here as well, where the rule holds on create and on update alike
// or the old object cannot change the outcome: Namespace spec.finalizers
// "kubernetes", Service ipFamilyPolicy (not ipFamilies: those follow the
// cluster's service CIDR, so the Service allocator fills them), the two
// PVC data source fields, ServiceAccount secret references reduced to
// names, EndpointSlice deprecatedTopology and Node spec.configSource
// dropped; and a Secret's stringData is folded into data, as upstream's
// conversion does.
//
// The API server calls Apply once on every decoded create or update body,
// before validation:
//
//	obj, _ := decode(body)
//	defaults.Apply(obj)
//	if errs := validation.ValidateCreate(obj); len(errs) > 0 { ... 422 ... }
//
// Apply sees only the new object, so strategy rules that depend on the
// stored object (or run on create only) are the API server's business.
// Apply mutates obj in place, is idempotent, and leaves kinds it does not
// know untouched. It holds no state and is safe for concurrent use on
// distinct objects.
package defaults
