// Package validation owns create, update and status-update validation of the
// typed external API objects Skiff serves (core/v1, apps/v1, batch/v1,
// autoscaling/v1 and v2, coordination/v1, discovery/v1, events/v1,
// networking/v1, policy/v1, rbac/v1, scheduling/v1, storage/v1,
// certificates/v1).
//
// The rules, field paths and messages follow upstream Kubernetes'
// pkg/apis/<group>/validation, so a 422 from Skiff carries the same causes
// kubectl users see upstream ("spec.template.metadata.labels: Invalid value:
// ...: `selector` does not match template `labels`"). Errors are built with
// k8s.io/apimachinery/pkg/util/validation/field; the API server turns a
// non-empty list into errors.NewInvalid.
//
// Callers default first, then validate:
//
//	defaults.Apply(obj)
//	if errs := validation.ValidateCreate(obj); len(errs) > 0 {
//		return apierrors.NewInvalid(gvk.GroupKind(), name, errs)
//	}
//
// ValidateUpdate re-validates the new object and adds the immutability rules
// (selectors, most of a Pod's spec, a Service's clusterIP, immutable
// ConfigMaps and Secrets, ...). It does not require metadata.resourceVersion:
// optimistic concurrency is the storage layer's job. ValidateStatusUpdate
// checks metadata and status only. Unknown kinds pass with metadata checks
// skipped. The functions hold no state and are safe for concurrent use.
//
// Left to other layers: generated Job selectors and node-port or cluster-IP
// allocation (the API server's strategies and allocators).
package validation
