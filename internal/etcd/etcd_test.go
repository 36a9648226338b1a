package etcd

import (
	"context"
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
