// Package controller owns the reconcile loop every Skiff controller runs on:
// informer event handlers enqueue a key, N workers pop keys from a
// rate-limited work queue and call Reconcile(ctx, Request) with it, and the
// result decides what happens to the key next.
//
// Reconciliation is level-based. A Request names an object (namespace and
// name) and nothing else: it does not say what changed or whether the
// object still exists. The reconciler re-reads current state from its
// informer caches, DeepCopies before mutating, and is idempotent.
//
// The queue action follows the result of Reconcile:
//
//   - error: the key is requeued with per-key exponential back-off, unless
//     the error wraps a TerminalError, which is logged and dropped;
//   - Result.RequeueAfter > 0: the back-off is forgotten and the key comes
//     back after that delay (polling);
//   - Result.Requeue: the key is requeued rate-limited without an error;
//   - otherwise the back-off is forgotten.
//
// A typical controller:
//
//	c := controller.New(controller.Config{
//		Name:       "replicaset",
//		Reconciler: r, // implements Reconcile(ctx, Request) (Result, error)
//		Workers:    4,
//		Synced:     []cache.InformerSynced{rsInformer.HasSynced, podInformer.HasSynced},
//	})
//	rsInformer.AddEventHandler(c.Handler())            // enqueue namespace/name
//	podInformer.AddEventHandler(c.OwnerHandler("ReplicaSet")) // enqueue the controlling owner
//	factory.StartWithContext(ctx)
//	err := c.Run(ctx) // waits for the caches, runs workers, blocks until ctx ends
//
// Run blocks until ctx is done, shuts the queue down and waits for every
// worker to return. The package holds no global state.
//
// Controllers register their handlers with AddHandler(factory, informer,
// handler) rather than on the informer directly: when the factory has
// fan-outs (Fanouts, as the server's has), the controllers of a process
// share one registration per informer instead of one listener each.
package controller
