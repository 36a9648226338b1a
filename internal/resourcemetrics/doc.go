// Package resourcemetrics owns the resource metrics pipeline of a Skiff
// cluster, what metrics-server is to upstream: it scrapes every node's
// kubelet (GET https://<InternalIP>:<kubeletEndpoint port>/metrics/resource,
// the Prometheus text upstream kubelets serve) once per resolution, keeps
// the last two samples of every node and container, and serves the
// metrics.k8s.io/v1beta1 API from them: NodeMetrics and PodMetrics, get
// and list, with label and field selectors and server-side tables, for
// `kubectl top` and the HorizontalPodAutoscaler.
//
// Usage is a rate: CPU is the growth of the cumulative CPU counter
// between the two samples divided by the time between them (the Window),
// memory is the latest working set. A node or container therefore has
// metrics from its second sample on; a restarted container (new start
// time, or a counter that went down) starts over. Only Running pods are
// reported, as metrics-server does.
//
// The scraper authenticates to kubelets with a client certificate the
// server signs at start (CN=kube-apiserver-kubelet-client, bound to
// system:kubelet-api-admin). It does not verify the kubelets' serving
// certificates: hollow kubelets serve self-signed ones, as an upstream
// kubelet without serverTLSBootstrap does (metrics-server's
// --kubelet-insecure-tls). Nodes advertising kubelet port 0 or no
// InternalIP are not scraped.
package resourcemetrics
