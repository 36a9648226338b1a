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
	before := cancelPassers()
	startAuthzServer(t)
	// Let every component start its informers and open its watches.
	time.Sleep(2 * time.Second)
	// etcd's client derives one watch context of its own this way.
	if n := cancelPassers() - before; n > 4 {
		t.Errorf("the server started %d goroutines that only pass a cancellation on; want at most 4 (informers started with a stop channel?)", n)
	}
}

// cancelPassers counts the goroutines that wait only to pass a parent
// context's cancellation on to a child.
func cancelPassers() int {
	buf := make([]byte, 16<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if lines := bytes.SplitN(g, []byte("\n"), 3); len(lines) > 1 && bytes.HasPrefix(lines[1], []byte("context.(*cancelCtx).propagateCancel")) {
			n++
		}
	}
	return n
}
