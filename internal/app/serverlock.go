package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// serverLockKey is the key a server holds in an external etcd while it
// runs. Several servers on one etcd are not supported: each would run
// every controller (there is no leader election between them), sign with
// its own CA and ServiceAccount key, and point the kubernetes Service's
// Endpoints at itself. So a second server refuses to start instead of
// sharing the etcd.
const serverLockKey = "/registry/skiff/server"

// serverLockTTL is how long the hold outlives a server that stopped
// without letting go (a crash, SIGKILL), in seconds; the same server
// (the same data dir) takes it over at once.
const serverLockTTL = 15

// serverHolder is the value of serverLockKey: who holds the etcd.
type serverHolder struct {
	ID      string `json:"id"`      // <data-dir>/server/id
	Host    string `json:"host"`    // the machine's host name
	Address string `json:"address"` // the server's advertised address and port
}

func (h serverHolder) String() string {
	return fmt.Sprintf("%s on host %s, data dir id %s", h.Address, h.Host, h.ID)
}

// serverID reads the id of the data dir's server from <dataDir>/server/id,
// writing a new random one the first time.
func serverID(dataDir string) (string, error) {
	path := filepath.Join(dataDir, "server", "id")
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	id := hex.EncodeToString(raw[:])
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(id+"\n"), 0o600); err != nil {
		return "", err
	}
	return id, nil
}

// holdServerLock takes serverLockKey for me on an etcd lease that it keeps
// alive until release is called (which revokes the lease, so the key goes
// at once). It fails when another server holds the key; a key held by me
// (my previous run, whose lease has not lapsed yet) is taken over. When
// the lease is lost while the server runs (etcd unreachable for longer
// than its TTL), the key is taken again once etcd answers.
func holdServerLock(ctx context.Context, client *clientv3.Client, me serverHolder, log *slog.Logger) (release func(), err error) {
	value, err := json.Marshal(me)
	if err != nil {
		return nil, err
	}
	l := &serverLock{client: client, me: me, value: string(value), log: log}
	lease, err := l.take(ctx)
	if err != nil {
		return nil, err
	}
	kctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.keep(kctx, lease)
	}()
	return func() { stop(); <-done }, nil
}

// serverLock is one server's hold of serverLockKey.
type serverLock struct {
	client *clientv3.Client
	me     serverHolder
	value  string // me, as stored
	log    *slog.Logger
}

// take puts the key for me on a new lease, if no other server holds it.
func (l *serverLock) take(ctx context.Context) (clientv3.LeaseID, error) {
	lease, err := l.client.Grant(ctx, serverLockTTL)
	if err != nil {
		return 0, fmt.Errorf("grant a lease: %w", err)
	}
	put := clientv3.OpPut(serverLockKey, l.value, clientv3.WithLease(lease.ID))
	resp, err := l.client.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(serverLockKey), "=", 0)).
		Then(put).
		Else(clientv3.OpGet(serverLockKey)).
		Commit()
	if err == nil && !resp.Succeeded {
		err = l.takeOver(ctx, resp, put)
	}
	if err != nil {
		l.revoke(lease.ID)
		return 0, err
	}
	return lease.ID, nil
}

// keep keeps lease alive until ctx ends, then revokes it; a lease lost
// meanwhile is replaced by take, tried every second.
func (l *serverLock) keep(ctx context.Context, lease clientv3.LeaseID) {
	for {
		if alive, err := l.client.KeepAlive(ctx, lease); err == nil {
			for range alive {
			}
		}
		if ctx.Err() != nil {
			l.revoke(lease)
			return
		}
		l.log.Error("lost the hold on etcd; taking it again", "key", serverLockKey)
		var last string
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			var err error
			if lease, err = l.take(ctx); err == nil {
				l.log.Info("holds etcd again", "key", serverLockKey)
				break
			}
			if err.Error() != last {
				last = err.Error()
				l.log.Error("cannot take the hold on etcd again", "err", err)
			}
		}
	}
}

// revoke ends lease, which deletes the key if it is on it.
func (l *serverLock) revoke(lease clientv3.LeaseID) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, _ = l.client.Revoke(ctx, lease)
}

// takeOver puts serverLockKey for me when the holder resp read is me, and
// only if the key has not changed since; otherwise it says who holds it.
func (l *serverLock) takeOver(ctx context.Context, resp *clientv3.TxnResponse, put clientv3.Op) error {
	kvs := resp.Responses[0].GetResponseRange().Kvs
	if len(kvs) == 0 {
		return errors.New("the hold on etcd changed while it was taken; start again")
	}
	var holder serverHolder
	if err := json.Unmarshal(kvs[0].Value, &holder); err != nil || holder.ID != l.me.ID {
		if err != nil {
			holder = serverHolder{ID: "unknown", Host: "unknown", Address: fmt.Sprintf("(unreadable %s: %v)", serverLockKey, err)}
		}
		return fmt.Errorf("another skiff server uses this etcd (%s); several servers on one etcd are not supported: stop it first (if it stopped without shutting down, its hold lapses %d s later)", holder, serverLockTTL)
	}
	again, err := l.client.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision(serverLockKey), "=", kvs[0].ModRevision)).
		Then(put).
		Commit()
	if err != nil {
		return err
	}
	if !again.Succeeded {
		return errors.New("the hold on etcd changed while it was taken; start again")
	}
	return nil
}
