// Package storage owns the object store of the API server: typed
// k8s.io/api objects kept in etcd, and the watch cache that serves lists and
// watches from memory.
//
// Layout and encoding. An object lives at Prefix/Key/<namespace>/<name>
// (Prefix/Key/<name> when cluster-scoped), encoded as protobuf in the k8s
// envelope with resourceVersion cleared, then passed through the optional
// Transformer (the seam for encryption at rest). resourceVersion is the
// etcd mod revision as a decimal string.
//
// Writes go straight to etcd: Create is a transaction on "key absent", Update
// a guaranteed update (read, call the UpdateFunc, compare-and-swap on the mod
// revision, retry), Delete a compare-and-swap delete. Reads are served by a
// per-resource watch cache fed by one etcd watch (with prevKV and progress
// notifications): each event is decoded once and the shared object is handed
// to every watcher, which applies its own selector on its own goroutine. A
// value this store wrote itself is not decoded at all: the write leaves its
// selector attributes as a hint for exactly those bytes (hint.go). A
// consistent read (resourceVersion "") asks etcd for its current revision
// and waits until the cache has seen it, requesting a progress notification
// to cover revisions of other resources.
//
// Uncached resources. A resource configured Uncached (the server's events,
// as upstream's) has no watch cache: gets and lists read etcd, and each
// watch is an etcd watch of its own (uncached.go).
//
// Protobuf clients. GetProtobuf and ListResult.Protobuf hand out an
// object's protobuf message (the bytes inside the k8s envelope) so that the
// API server writes protobuf responses without encoding: a consistent get
// writes the etcd revision into the stored bytes without decoding them, and
// the cache serves its entries' stored bytes the same way.
//
// Memory. A cache entry keeps the object's stored encoding and the label
// and field sets selectors match on, not the decoded object: a decoded Pod
// takes about four times its encoding. Objects are decoded when a reader
// needs one (JSON and table clients, watchers), each reader its own copy.
//
// Callers' duties. Objects returned by Get, List and Watch are the
// caller's own, except watch bookmarks and the Messages of a protobuf
// watch, which are shared: do not mutate those. The object handed to an UpdateFunc is a private copy. Typical
// wiring:
//
//	st, err := storage.New(storage.Config{Client: cli, Scheme: scheme.Scheme})
//	if err != nil {
//		return err
//	}
//	defer st.Close()
//	go st.Run(ctx) // compaction
//	pods, err := st.Resource(ctx, storage.ResourceConfig{
//		GroupResource: schema.GroupResource{Resource: "pods"},
//		Key:           "pods",
//		Namespaced:    true,
//		GVK:           corev1.SchemeGroupVersion.WithKind("Pod"),
//		New:           func() runtime.Object { return &corev1.Pod{} },
//		NewList:       func() runtime.Object { return &corev1.PodList{} },
//	})
//
// Errors are k8s.io/apimachinery/pkg/api/errors classes carrying the
// resource's GroupResource: NotFound, AlreadyExists, Expired (410) for
// compacted revisions and continue tokens, Timeout with cause
// ResourceVersionTooLarge when the cache does not reach a requested revision
// in time, BadRequest for bad parameters, and InternalError for etcd failures
// and undecodable stored values (which are logged, never fatal).
package storage
