// Package allocator hands out Service ClusterIPs and NodePorts so that no
// value is ever given to two Services, even when several API servers share
// one etcd. A LoadBalancer Service with externalTrafficPolicy Local takes
// its healthCheckNodePort from the same node port range, so no port is
// both a node port and a health check.
//
// # Storage
//
// Every allocated value is its own etcd key under a prefix, holding an opaque
// owner string chosen by the caller:
//
//	/registry/skiff/allocations/serviceips/10.43.0.10      -> "default/web"
//	/registry/skiff/allocations/servicenodeports/30080     -> "default/web/TCP"
//
// A value is taken by a transaction that creates its key only if the key does
// not exist (If(CreateRevision(key) == 0)), so etcd alone decides who wins a
// race; the allocators cache nothing about which values are free. Release
// deletes the key.
//
// # Picking a free value
//
// Like upstream Kubernetes (KEP-3070 for ClusterIPs, KEP-3668 for
// NodePorts), each range is split into a small static band at its low end,
// meant for values users pick by hand, and a dynamic band above it.
// AllocateNext tries a few random values in the dynamic band; when those are
// taken it lists the allocated keys once and walks the free values from a
// random start, dynamic band first, then the static band. When nothing is
// free it returns ErrFull.
//
// For ClusterIPs the network address (and for IPv4 the broadcast address)
// is never handed out, and the first address (.1) is reserved for the
// kubernetes Service: AllocateNext skips it, Allocate accepts it.
//
// # Caller's duties
//
// The caller allocates before it writes the Service, and releases when the
// write fails or the Service is deleted. Allocate of a value that is already
// taken fails with ErrAllocated even when the owner string is the same, so a
// failed duplicate create can never release the winner's value. Errors are
// the sentinels ErrAllocated, ErrNotInRange and ErrFull (test with
// errors.Is); turning them into API errors (422 Invalid) is the caller's job.
//
// A crash between allocation and the Service write leaks a value. At server
// start, before it serves any client, the caller lists Services and calls
// Repair with the values in use;
// Repair releases allocations no Service holds and records values Services
// hold but that have no allocation key. Repair can release a value another
// server has just allocated for a Service it has not written yet, so with
// several servers run it while holding the controller leader lease, or
// accept that small window at start.
//
//	ips, err := allocator.NewIPAllocator(client, "/registry/skiff/allocations/serviceips", serviceCIDR)
//	ip, err := ips.AllocateNext(ctx, svc.Namespace+"/"+svc.Name)
//	if err := create(svc); err != nil { ips.Release(ctx, ip) }
package allocator
