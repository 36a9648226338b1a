// Package etcd owns the state store process: it starts a single-member etcd
// (go.etcd.io/etcd/server/v3/embed) inside the skiff server, or connects to an
// external etcd cluster named by --etcd-servers.
//
// The embedded member listens on loopback only (ephemeral 127.0.0.1 ports for
// both the client and the peer URL), keeps its data in Config.DataDir and logs
// through slog at warn level and above. Typical use:
//
//	srv, err := etcd.Start(ctx, etcd.Config{DataDir: dir, Logger: log})
//	if err != nil {
//		return fmt.Errorf("start etcd: %w", err)
//	}
//	defer srv.Close()
//	cli := srv.Client() // owned by srv; do not Close it
//
// Restarting on the same DataDir keeps all data. Close is synchronous and
// idempotent; close users of Client (e.g. the storage.Store) first.
package etcd
