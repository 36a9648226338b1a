package etcd

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// slogCore is a zapcore.Core that forwards entries at or above its level to
// an slog.Logger, so that etcd's zap logging ends up in the server's log.
type slogCore struct {
	log   *slog.Logger
	level zapcore.Level
	attrs []slog.Attr
	// closing is set once the member is being closed (see quiet); nil for
	// a logger of no member.
	closing *atomic.Bool
}

var _ zapcore.Core = (*slogCore)(nil)

func newZapLogger(log *slog.Logger, level zapcore.Level, closing *atomic.Bool) *zap.Logger {
	return zap.New(&slogCore{log: log, level: level, closing: closing})
}

func (c *slogCore) Enabled(l zapcore.Level) bool { return l >= c.level }

func (c *slogCore) With(fields []zapcore.Field) zapcore.Core {
	n := &slogCore{log: c.log, level: c.level, closing: c.closing}
	n.attrs = append(append(n.attrs, c.attrs...), fieldAttrs(fields)...)
	return n
}

// quiet reports the messages an embedded member logs as warnings or errors
// that say nothing wrong with it, which the server logs at debug level:
// its client port serves HTTP and gRPC together (it listens on loopback
// only, and the server reads it in-process); its auth tokens are etcd's
// simple ones (auth is off); a member bootstrapping a new data dir cannot
// yet tell its storage schema version (no raft term is stored); and, once
// the member is being closed, its listeners report that they are closed.
func (c *slogCore) quiet(msg string, fields []zapcore.Field) bool {
	switch msg {
	case "Running http and grpc server on single port. This is not recommended for production.",
		"simple token is not cryptographically signed":
		return true
	case "Failed to detect schema version", "failed to update storage version":
		return strings.Contains(errorText(fields), "missing term information")
	case "setting up serving from embedded etcd failed.",
		"stopping insecure grpc server due to error",
		"stopped insecure grpc server due to error":
		return c.closing != nil && c.closing.Load() && strings.Contains(errorText(fields), "closed")
	}
	return false
}

// errorText is the text of the error among fields, "" if there is none.
func errorText(fields []zapcore.Field) string {
	for _, f := range fields {
		if err, ok := f.Interface.(error); ok && f.Type == zapcore.ErrorType {
			return err.Error()
		}
	}
	return ""
}

func (c *slogCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c *slogCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	level := slogLevel(e.Level)
	if c.quiet(e.Message, fields) {
		level = slog.LevelDebug
	}
	attrs := append(append([]slog.Attr{slog.String("component", "etcd")}, c.attrs...), fieldAttrs(fields)...)
	c.log.LogAttrs(context.Background(), level, e.Message, attrs...)
	return nil
}

func (c *slogCore) Sync() error { return nil }

func slogLevel(l zapcore.Level) slog.Level {
	switch {
	case l >= zapcore.ErrorLevel:
		return slog.LevelError
	case l >= zapcore.WarnLevel:
		return slog.LevelWarn
	case l >= zapcore.InfoLevel:
		return slog.LevelInfo
	default:
		return slog.LevelDebug
	}
}

func fieldAttrs(fields []zapcore.Field) []slog.Attr {
	if len(fields) == 0 {
		return nil
	}
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range fields {
		f.AddTo(enc)
	}
	attrs := make([]slog.Attr, 0, len(enc.Fields))
	for k, v := range enc.Fields {
		attrs = append(attrs, slog.Any(k, v))
	}
	return attrs
}
