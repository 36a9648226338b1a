package app

import (
	"bytes"
	"runtime"
	"testing"
	"time"
)

// TestInformersRunWithContext: the server's informers run with a context,
// not with a stop channel. client-go wraps a channel in a context of its
// own kind, and every request context derived from one (each informer's
// watch, on the client side and again in the handler) costs a goroutine
// that only waits to pass the cancellation on: 85 of them in an idle
// server before.
func TestInformersRunWithContext(t *testing.T) {
	startAuthzServer(t)
	// Let every component start its informers and open its watches.
	time.Sleep(2 * time.Second)
	buf := make([]byte, 16<<20)
	buf = buf[:runtime.Stack(buf, true)]
	waiting := 0
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if lines := bytes.SplitN(g, []byte("\n"), 3); len(lines) > 1 && bytes.HasPrefix(lines[1], []byte("context.(*cancelCtx).propagateCancel")) {
			waiting++
		}
	}
	// etcd's client derives one watch context of its own this way.
	if waiting > 4 {
		t.Errorf("%d goroutines only pass a cancellation on; want at most 4 (informers started with a stop channel?)", waiting)
	}
}
