package app

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

func TestServerID(t *testing.T) {
	dir := t.TempDir()
	id, err := serverID(dir)
	if err != nil || len(id) != 32 {
		t.Fatalf("serverID() = %q, %v; want 32 hex digits", id, err)
	}
	again, err := serverID(dir)
	if err != nil || again != id {
		t.Errorf("serverID() the second time = %q, %v; want the first, %q", again, err, id)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "server", "id")); strings.TrimSpace(string(b)) != id {
		t.Errorf("server/id holds %q; want %q", b, id)
	}
}

// TestHoldServerLock takes the hold, is refused it for another id, takes
// it over for the same id (a restart after a crash), and lets another
// take it once released.
func TestHoldServerLock(t *testing.T) {
	e := openStoppedEtcd(t, t.TempDir())
	defer e.Close()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := serverHolder{ID: "aaaa", Host: "cp-1", Address: "10.0.0.5:6443"}
	b := serverHolder{ID: "bbbb", Host: "cp-2", Address: "10.0.0.6:6443"}

	releaseA, err := holdServerLock(ctx, e.Client(), a, log)
	if err != nil {
		t.Fatalf("first hold: %v", err)
	}
	_, err = holdServerLock(ctx, e.Client(), b, log)
	if err == nil || !strings.Contains(err.Error(), "another skiff server uses this etcd (10.0.0.5:6443 on host cp-1, data dir id aaaa)") {
		t.Fatalf("hold for another server while held: %v; want it refused, naming the holder", err)
	}
	// a again, its first hold not released: its previous run crashed.
	releaseA2, err := holdServerLock(ctx, e.Client(), a, log)
	if err != nil {
		t.Fatalf("hold by the same server again: %v; want it taken over", err)
	}
	releaseA() // the old run's lease: the key is on the new one now
	if _, err := holdServerLock(ctx, e.Client(), b, log); err == nil {
		t.Fatal("another server got the hold after the old lease of the holder was revoked")
	}
	releaseA2()
	releaseB, err := holdServerLock(ctx, e.Client(), b, log)
	if err != nil {
		t.Fatalf("hold for another server once released: %v", err)
	}
	releaseB()
	if resp, err := e.Client().Get(ctx, serverLockKey); err != nil || len(resp.Kvs) != 0 {
		t.Errorf("after release the key is %v, %v; want it gone", resp, err)
	}
}

// TestServerLockTakenAgain revokes the lease of a held key from outside,
// as its lapse while etcd was unreachable would end it: the holder puts
// the key back on a new lease.
func TestServerLockTakenAgain(t *testing.T) {
	e := openStoppedEtcd(t, t.TempDir())
	defer e.Close()
	ctx := context.Background()
	release, err := holdServerLock(ctx, e.Client(), serverHolder{ID: "aaaa"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	lease := func() clientv3.LeaseID {
		resp, err := e.Client().Get(ctx, serverLockKey)
		if err != nil || len(resp.Kvs) == 0 {
			return 0
		}
		return clientv3.LeaseID(resp.Kvs[0].Lease)
	}
	first := lease()
	if first == 0 {
		t.Fatal("the key is not held")
	}
	if _, err := e.Client().Revoke(ctx, first); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if now := lease(); now != 0 && now != first {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the key was not taken again within 10 s of losing its lease")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
