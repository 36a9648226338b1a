package etcd

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestStartRestartKeepsData(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	begin := time.Now()
	srv, err := Start(ctx, Config{DataDir: dir, Logger: quietLogger()})
	if err != nil {
		t.Fatalf("Start() error = %v", err)
	}
	t.Logf("first start took %v, endpoints %v", time.Since(begin), srv.Endpoints())
	if _, err := srv.Client().Put(ctx, "/k", "v"); err != nil {
		t.Fatalf("Put() error = %v", err)
	}
	srv.Close()
	srv.Close() // idempotent

	begin = time.Now()
	srv, err = Start(ctx, Config{DataDir: dir, Logger: quietLogger()})
	if err != nil {
		t.Fatalf("second Start() error = %v", err)
	}
	t.Logf("restart took %v", time.Since(begin))
	defer srv.Close()
	resp, err := srv.Client().Get(ctx, "/k")
	if err != nil {
		t.Fatalf("Get() error = %v", err)
	}
	if len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "v" {
		t.Errorf("Get(/k) after restart = %v; want one kv with value v", resp.Kvs)
	}
}

func TestConnect(t *testing.T) {
	ctx := context.Background()
	srv, err := Start(ctx, Config{DataDir: t.TempDir(), Logger: quietLogger()})
	if err != nil {
		t.Fatalf("Start() error = %v", err)
	}
	defer srv.Close()
	tests := []struct {
		name      string
		endpoints []string
		wantErr   bool
	}{
		{name: "embedded endpoints", endpoints: srv.Endpoints()},
		{name: "no endpoints", endpoints: nil, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cli, err := Connect(ctx, tt.endpoints, nil)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Connect(%v) error = %v; want error %v", tt.endpoints, err, tt.wantErr)
			}
			if cli != nil {
				if err := cli.Close(); err != nil {
					t.Errorf("Close() error = %v", err)
				}
			}
		})
	}
}

// TestLocalReadsAfterClose: the in-process reads answer while the member
// runs and return ErrClosed once it is closed, instead of reading a closed
// backend (which panicked when a request was still in flight at shutdown).
func TestLocalReadsAfterClose(t *testing.T) {
	ctx := context.Background()
	srv, err := Start(ctx, Config{DataDir: t.TempDir(), Logger: quietLogger()})
	if err != nil {
		t.Fatalf("Start() error = %v", err)
	}
	put, err := srv.Client().Put(ctx, "/k", "v")
	if err != nil {
		t.Fatalf("Put() error = %v", err)
	}
	if rev, err := srv.Revision(); err != nil || rev < put.Header.Revision {
		t.Errorf("Revision() = %d, %v; want at least %d", rev, err, put.Header.Revision)
	}
	if v, _, found, err := srv.Get(ctx, "/k"); err != nil || !found || string(v) != "v" {
		t.Errorf("Get(/k) = %q, %v, %v; want \"v\", true, nil", v, found, err)
	}
	srv.Close()
	if _, err := srv.Revision(); !errors.Is(err, ErrClosed) {
		t.Errorf("Revision() after Close: err %v; want ErrClosed", err)
	}
	if _, _, _, err := srv.Get(ctx, "/k"); !errors.Is(err, ErrClosed) {
		t.Errorf("Get() after Close: err %v; want ErrClosed", err)
	}
}
