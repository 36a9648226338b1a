// Package kubelet is the node agent's core: it registers a Node, keeps its
// Lease and status fresh, and drives the pods bound to the node through a
// container runtime it declares (Runtime), writing their status back
// through pods/status. It talks to the API only through client-go.
//
// The package is a pure core with a thin driver. The decisions are plain
// functions of their inputs and a clock: nodeConditions and nodeStatusDue
// (node status), leaseDue and renewLease (heartbeats), decide (what a pod
// worker does next: create the sandbox, start an init container or a
// container, wait out a CrashLoopBackOff, stop the pod) and podStatus
// (phase, conditions and containerStatuses from what the runtime reports).
// Kubelet and its pod workers perform those decisions against the API and
// the Runtime.
//
// A driver calls, in order:
//
//	k, err := kubelet.New(kubelet.Config{NodeName: "n1", Client: cs, Runtime: rt})
//	if err := k.Register(ctx); err != nil { ... }   // create or update the Node
//	go k.RunPods(ctx)                                // pod workers, until ctx ends
//	for range ticker.C { k.Heartbeat(ctx) }          // Lease every 10 s, status every 5 min or on change
//
// and feeds it the pods bound to the node with HandlePod and HandlePodDeleted
// (from an informer on spec.nodeName=<node>, or one informer shared by many
// hollow nodes). Run does all of this for a single node with its own
// informer and ticker.
//
// A pod the kubelet first sees Pending goes through admission (admit, the
// general predicates of upstream's kubelet, with the scheduler's
// framework and plugins as upstream's kubelet uses them): one that does
// not fit beside the pods admitted before it, or does not match the
// node's labels, host ports or NoExecute taints, is never started and is
// Failed with upstream's reason (OutOfcpu, NodeAffinity, ...) and message
// ("Pod was rejected: ..."), and a Warning event with the reason when
// Config.Events is set (so is a Normal DeadlineExceeded event).
//
// One goroutine works each pod. It wakes on a pod update, a runtime event
// (Runtime.SetNotify) or the end of a back-off, syncs the pod, and writes
// its status when it differs from what the API holds: one merge patch of
// pods/status per change, Pending to Running in one write when the
// runtime starts containers at once. Until the watch brings the pod it
// patched, a worker takes the status it wrote as the API's (statusBase),
// and it keeps the conditions and fields other writers own (mergeStatus).
// In the first seconds after registration a sandbox waits until the pod
// range node IPAM assigns reaches the kubelet, so that pod addresses come
// from it (ensurePodCIDR); after that it never waits on the Node. When a
// pod gets a
// deletionTimestamp the worker stops its containers within the grace period
// and confirms the deletion with a delete of grace period 0 and a UID
// precondition. Pods in a terminal phase are never restarted. A pod that
// runs past spec.activeDeadlineSeconds (from status.startTime) is stopped
// and Failed with reason DeadlineExceeded, and a pod is Ready only when
// its readiness gates' conditions are True, as upstream.
//
// # Kubelet API
//
// Serve runs the node's HTTPS API the way an upstream kubelet 1.33 serves
// it, for the parts hollow nodes need: GET /metrics/resource (upstream's
// resource metrics in the Prometheus text format, from Summary, which
// reads Runtime.ContainerStats of the pods the kubelet works on; the
// node's values are the sums over its pods, its CPU counter kept monotonic
// across containers that stop), GET /healthz ("ok") and GET
// /containerLogs/{namespace}/{pod}/{container} (the kubelet side of
// kubectl logs, which the API server proxies pods/log to: the query as
// v1.PodLogOptions, the instance picked from the pod's status as
// upstream's validateContainerLogStatus picks it, the log read through
// Runtime.ContainerLog, with upstream's codes and bodies for each
// refusal, and a follower's lines flushed as they come); any other path
// is 404. Every request is authenticated by a client certificate verified
// against ServerConfig.ClientCA (none or a bad one: 401 "Unauthorized";
// user = CN, groups = O) and authorized as upstream's Webhook mode does
// with KubeletFineGrainedAuthz: verb from the HTTP method, resource nodes,
// name the node, subresource metrics for /metrics/*, healthz and then
// proxy for /healthz, proxy for anything else (403 with upstream's body,
// "Forbidden (user=alice, verb=get, resource=nodes,
// subresource(s)=[metrics])"). ReviewAuthorizer decides through
// SubjectAccessReviews and caches decisions (allowed 5 min, denied 30 s);
// one can serve every node of an agent.
//
// The serving certificate is self-signed (SelfSignedCert), as upstream's
// kubelet without serverTLSBootstrap: scrapers must not verify it
// (metrics-server's --kubelet-insecure-tls). Config.Port is the port the
// Node advertises in status.daemonEndpoints.kubeletEndpoint (0: none).
//
//	cert, _ := kubelet.SelfSignedCert("agent", []net.IP{ip})
//	srv, err := k.Serve("127.0.0.1:10250", kubelet.ServerConfig{
//		Cert: cert, ClientCA: caPool, Authorizer: kubelet.NewReviewAuthorizer(cs, nil)})
//	defer srv.Close()
package kubelet
