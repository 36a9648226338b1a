// Package endpointslice owns the EndpointSlice controller, as upstream's
// endpointslice controller in kube-controller-manager: for every Service
// with a selector (and not of type ExternalName) it keeps
// discovery.k8s.io/v1 EndpointSlices labelled kubernetes.io/service-name
// and endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io,
// owned by the Service.
//
// Reconcile(namespace/name) turns every matching pod with an IP of the
// slice's family that has not finished into an endpoint: its address,
// conditions (serving = pod Ready; terminating = being deleted; ready =
// serving and not terminating, or always with publishNotReadyAddresses),
// hostname when the pod's subdomain is the Service, nodeName, the zone
// label of its node and a targetRef. Each Service port's targetPort is
// resolved per pod, and endpoints are grouped by address type and
// resolved port set; each group is packed into slices of at most 100
// endpoints (pack.go): endpoints stay in the slice that holds them, new
// ones fill slices with room before new slices are created, slices left
// empty are deleted, and a Service without endpoints keeps one empty
// placeholder slice. Written slices carry the Service's labels (plus
// service.kubernetes.io/headless for a headless Service) and the
// endpoints.kubernetes.io/last-change-trigger-time annotation. Events
// are recorded as "endpoint-slice-controller". Slices this controller does
// not manage (such as default/kubernetes, which the server keeps) are left
// alone.
//
// Which pods count, their targetPorts, the pod -> Services mapping of the
// pod informer and the trigger time come from package servicepods, which
// the Endpoints controller shares.
package endpointslice
