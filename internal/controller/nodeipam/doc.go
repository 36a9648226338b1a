// Package nodeipam owns node IPAM: it gives every Node a spec.podCIDR (and
// spec.podCIDRs) carved from the cluster CIDR, as upstream's range
// allocator in kube-controller-manager does.
//
// The cluster CIDR (--cluster-cidr, 10.42.0.0/16 by default) is cut into
// subnets of --node-cidr-mask-size bits (24 by default). A cidrSet keeps
// which subnets are taken and hands out the next free one, round-robin, so
// a released subnet is not reused at once. At start the set is rebuilt from
// the spec.podCIDR of every existing Node before any is reconciled;
// Reconcile(node) then
//
//   - records the CIDR a Node already has (a Node whose CIDR is outside the
//     range or held by another Node is left alone and logged),
//   - gives a Node without one the next free subnet (a strategic merge patch
//     of spec.podCIDR and spec.podCIDRs), or records the CIDRNotAvailable
//     event on the Node when the range is exhausted and retries later,
//   - releases the subnet of a Node that is gone.
//
// Events are recorded as component "cidrAllocator", as upstream.
package nodeipam
