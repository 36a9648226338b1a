// Package endpoint owns the Endpoints controller, as upstream's endpoint
// controller in kube-controller-manager: for every Service with a
// selector it keeps an Endpoints object of the same name listing the
// matching pods.
//
// Reconcile(namespace/name) lists the pods the selector matches and, for
// each pod with an IP that may serve (not terminating, unless
// publishNotReadyAddresses; not finished, for pods that do not restart),
// adds an address (IP, nodeName, targetRef, and hostname when the pod's
// subdomain is the Service) to addresses when the pod is Ready or the
// Service publishes not-ready addresses, to notReadyAddresses otherwise.
// Each Service port's targetPort is resolved per pod (a named port is
// looked up in that pod's containers; a pod without it gets no address for
// that port), and the addresses are packed into subsets by identical port
// sets, sorted. A headless Service without ports gets addresses without
// ports.
//
// Endpoints carry the Service's labels plus service.kubernetes.io/headless
// for headless Services, the endpoints.kubernetes.io/last-change-trigger-
// time annotation (the earliest unprocessed pod or Service change, as
// upstream's trigger time tracker), and beyond 1000 addresses are
// truncated with endpoints.kubernetes.io/over-capacity: truncated.
// Services without a selector are left alone (their Endpoints are written
// by others: the server keeps default/kubernetes); a deleted Service's
// Endpoints are deleted. Events are recorded as "endpoint-controller".
//
// Which pods count, their targetPorts, the pod -> Services mapping of the
// pod informer and the trigger time come from package servicepods, which
// the EndpointSlice controller shares.
package endpoint
