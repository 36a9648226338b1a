package etcd

import (
	"context"
	"sync"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/etcdserver/api/v3rpc"
	"go.etcd.io/etcd/server/v3/proxy/grpcproxy/adapter"
	"google.golang.org/grpc"
)

// Watcher is an in-process client of the member's watch API, as etcd's own
// v3client builds it: responses pass over channels instead of being
// marshalled into gRPC over loopback and back (about a twentieth of the
// API server's CPU during a burst of writes). Streams are grouped, and
// RequestProgress reaches them, by the contexts' gRPC metadata as with a
// remote client. Close it when done; its watches end with their contexts.
func (s *Server) Watcher() clientv3.Watcher {
	wc := adapter.WatchServerToWatchClient(v3rpc.NewWatchServer(s.etcd.Server))
	return clientv3.NewWatchFromWatchClient(queuedWatchClient{wc}, s.client)
}

// queuedWatchClient gives each stream a send queue. The adapter's streams
// are unbuffered channels where gRPC has transport buffers, and without
// them a stream deadlocks once enough watches share it: the client's loop
// blocks sending a request, so it stops taking responses; the server's
// send loop blocks on the response it cannot deliver, so it stops taking
// control messages; and the server's receive loop, with its control
// buffer full, stops taking requests. With the queue, the client's loop
// never blocks on a send.
type queuedWatchClient struct{ pb.WatchClient }

func (c queuedWatchClient) Watch(ctx context.Context, opts ...grpc.CallOption) (pb.Watch_WatchClient, error) {
	st, err := c.WatchClient.Watch(ctx, opts...)
	if err != nil {
		return nil, err
	}
	q := &queuedStream{Watch_WatchClient: st, wake: make(chan struct{}, 1)}
	go q.run()
	return q, nil
}

// queuedStream sends its requests, in order, from its own goroutine.
type queuedStream struct {
	pb.Watch_WatchClient
	wake chan struct{}

	mu      sync.Mutex
	pending []*pb.WatchRequest
	closing bool  // CloseSend was called: close once pending is sent
	err     error // the first send failure, returned by later sends
}

// Send queues req; it fails only once an earlier send has failed.
func (q *queuedStream) Send(req *pb.WatchRequest) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return q.err
	}
	q.pending = append(q.pending, req)
	q.signal()
	return nil
}

// CloseSend closes the stream's send side after the queued requests.
func (q *queuedStream) CloseSend() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closing = true
	q.signal()
	return nil
}

func (q *queuedStream) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// run sends what is queued until the stream's context ends or the send
// side is closed.
func (q *queuedStream) run() {
	done := q.Context().Done()
	for {
		select {
		case <-q.wake:
		case <-done:
			return
		}
		for {
			q.mu.Lock()
			if len(q.pending) == 0 {
				closing := q.closing
				q.mu.Unlock()
				if closing {
					_ = q.Watch_WatchClient.CloseSend()
					return
				}
				break
			}
			req := q.pending[0]
			q.pending[0] = nil
			q.pending = q.pending[1:]
			q.mu.Unlock()
			if err := q.Watch_WatchClient.Send(req); err != nil {
				q.mu.Lock()
				q.err, q.pending = err, nil
				q.mu.Unlock()
				return
			}
		}
	}
}
