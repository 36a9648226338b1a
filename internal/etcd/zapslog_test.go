package etcd

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// TestQuietMessages: etcd's messages that say nothing wrong with an
// embedded member are logged at debug level, the listeners' "closed"
// errors only once the member is closing; the same messages with other
// errors, and everything else, keep their level.
func TestQuietMessages(t *testing.T) {
	var buf bytes.Buffer
	closing := new(atomic.Bool)
	log := newZapLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), zapcore.WarnLevel, closing)
	closed := errors.New("accept tcp 127.0.0.1:1: use of closed network connection")
	tests := []struct {
		log  func()
		want string
	}{
		{func() {
			log.Warn("Running http and grpc server on single port. This is not recommended for production.")
		}, "DEBUG"},
		{func() { log.Warn("simple token is not cryptographically signed") }, "DEBUG"},
		{func() {
			log.Error("failed to update storage version", zap.Error(errors.New("cannot detect storage schema version: missing term information")))
		}, "DEBUG"},
		{func() { log.Error("failed to update storage version", zap.Error(errors.New("disk full"))) }, "ERROR"},
		{func() { log.Error("setting up serving from embedded etcd failed.", zap.Error(closed)) }, "ERROR"},
		{func() {
			closing.Store(true)
			log.Error("setting up serving from embedded etcd failed.", zap.Error(closed))
		}, "DEBUG"},
		{func() {
			log.Error("setting up serving from embedded etcd failed.", zap.Error(errors.New("bind: address in use")))
		}, "ERROR"},
		{func() {
			log.With(zap.String("k", "v")).Warn("stopped insecure grpc server due to error", zap.Error(closed))
		}, "DEBUG"},
		{func() { log.Warn("slow fdatasync") }, "WARN"},
	}
	for i, tt := range tests {
		buf.Reset()
		tt.log()
		if !strings.Contains(buf.String(), "level="+tt.want+" ") {
			t.Errorf("message %d logged %q; want level %s", i, buf.String(), tt.want)
		}
	}
}

// TestStartAndCloseQuietly: a member started on a new data dir and closed
// logs none of the messages above as a warning or an error.
func TestStartAndCloseQuietly(t *testing.T) {
	var buf bytes.Buffer
	srv, err := Start(context.Background(), Config{DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	if err != nil {
		t.Fatalf("Start() error = %v", err)
	}
	if _, err := srv.Client().Put(context.Background(), "/k", "v"); err != nil {
		t.Fatalf("Put() error = %v", err)
	}
	srv.Close()
	for _, line := range strings.Split(buf.String(), "\n") {
		for _, msg := range []string{"single port", "simple token", "schema version", "storage version", "serving from embedded etcd", "insecure grpc server"} {
			if strings.Contains(line, msg) {
				t.Errorf("logged at info level or above: %s", line)
			}
		}
	}
}
