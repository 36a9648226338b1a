// Package admission owns the built-in admission chain of the API server:
// the plugins that may change (mutate) or refuse (validate) a write after
// it is decoded and defaulted and before it is stored, in upstream's order:
//
//	NamespaceLifecycle        no creation in a missing or terminating namespace
//	LimitRanger               container and pod defaults and bounds from LimitRanges
//	ServiceAccount            the default account and the projected token volume
//	PodSecurity               pod-security.kubernetes.io namespace labels (validating)
//	Priority                  priorityClassName -> spec.priority, spec.preemptionPolicy
//	DefaultTolerationSeconds  not-ready and unreachable NoExecute tolerations, 300 s
//	RuntimeClass              refuses a spec.runtimeClassName (no RuntimeClasses exist)
//	ResourceQuota             charge status.used of every matching quota (last)
//
// As upstream, every mutating step runs first, in that order, then every
// validating step (NamespaceLifecycle refuses in the mutating phase, so no
// later plugin looks into a missing namespace; PodSecurity only validates,
// so it sees the token volume ServiceAccount added). The caller (internal/apiserver) drives one write as:
//
//	a := &admission.Attributes{Operation: admission.Create, Object: obj, ...}
//	if err := chain.Mutate(ctx, a); err != nil { return err }
//	if a.Mutated { re-apply defaults and validation }
//	undo, err := chain.Validate(ctx, a)
//	if err != nil { return err }
//	if err := store(obj); err != nil { undo() }
//
// undo releases what validation charged (quota usage) when the write fails.
//
// Plugins read cluster state through the Store the API server passes: its
// watch cache, so admission costs no etcd read per request. The exceptions
// are a cache miss on an object that must exist (a namespace or service
// account created a moment ago), and quota: the charge is a compare-and-swap
// update of the ResourceQuota's status.used in etcd, retried on conflict, so
// concurrent creates never push usage past status.hard.
//
// Errors are apimachinery API errors with upstream's messages. Warnings (from
// PodSecurity) go to the sink the caller puts in the context with
// WithWarnings.
package admission
