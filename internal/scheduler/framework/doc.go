// Package framework owns the scheduler's plugin contract: the extension
// points (QueueSort, PreFilter, Filter, PostFilter, PreScore, Score), the
// Status a plugin answers with, NodeInfo (a node and the pods placed on it,
// with their summed requests), CycleState (per-attempt scratch space) and
// the Handle through which plugins read the snapshot of the cluster.
//
// It follows the upstream kube-scheduler framework: each plugin is one
// package under internal/scheduler/plugins with a const Name, a const
// ErrReason for its rejections, compile-time assertions of the extension
// points it implements and a New(args, handle) constructor; args are the
// plugin's pluginConfig args (its own PluginArgs type, decoded strictly,
// defaulted and validated by the scheduler's configuration) or nil for
// plugins without args. Plugins read listers from the Handle's informer
// factory in New, so the scheduler starts and syncs those informers. The
// scheduler package runs the plugins; plugins never import each other.
// Package frameworktest holds the fakes plugin table tests use.
//
// Plugins must treat every *v1.Pod, *v1.Node and *NodeInfo they are given
// as read-only: they are shared with the cache snapshot.
package framework
