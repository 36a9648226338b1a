// Package defaults owns server-side defaulting of the typed external API
// objects (k8s.io/api core/v1, apps/v1, batch/v1, autoscaling/v1 and v2,
// coordination/v1, discovery/v1, events/v1, networking/v1, policy/v1,
// rbac/v1, scheduling/v1, storage/v1, certificates/v1).
//
// The rules follow upstream Kubernetes' pkg/apis/<group>/v1/defaults.go and
// the generated per-type defaulters: a field is filled only when the client
// left it unset, and nested types (pod templates inside workloads, claim
// templates inside StatefulSets) get their own defaults too. A few values
// that upstream assigns in a registry strategy rather than a defaulter are
// filled here as well because every create needs them: Namespace
// spec.finalizers ["kubernetes"] and Service ipFamilyPolicy/ipFamilies; and a
// Secret's stringData is folded into data, as upstream's conversion does.
//
// The API server calls Apply once on every decoded create or update body,
// before validation:
//
//	obj, _ := decode(body)
//	defaults.Apply(obj)
//	if errs := validation.ValidateCreate(obj); len(errs) > 0 { ... 422 ... }
//
// Apply mutates obj in place, is idempotent, and leaves kinds it does not
// know untouched. It holds no state and is safe for concurrent use on
// distinct objects.
package defaults
