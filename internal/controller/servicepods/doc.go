// Package servicepods owns what the Endpoints and EndpointSlice
// controllers both read from a Service's pods, as upstream's
// pkg/controller/util/endpoint serves its endpoint and endpointslice
// controllers:
//
//   - ServicesOf maps a pod to the Services in its namespace whose selector
//     matches it (upstream's GetPodServiceMemberships), the function both
//     controllers give their pod informer's MapHandler, so a pod's change
//     re-syncs every Service it belongs to (old and new labels: MapHandler
//     maps both objects of an update);
//   - Include (upstream's ShouldPodBeInEndpoints), Ready, IP and
//     TargetPort (upstream's FindPort) decide whether and how a pod
//     appears;
//   - TriggerTracker computes the endpoints.kubernetes.io/last-change-
//     trigger-time annotation both write (upstream's TriggerTimeTracker).
//
// The functions are pure; TriggerTracker holds per-Service state and is
// safe for concurrent use. A controller's sync:
//
//	trigger, written := tracker.Compute(key, svc, pods)
//	... build and write the objects from the pods servicepods.Include ...
//	written() // once written (or found up to date); a failed write keeps the trigger
package servicepods
