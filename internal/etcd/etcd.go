package etcd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/pkg/v3/traceutil"
	"go.etcd.io/etcd/server/v3/embed"
	"go.etcd.io/etcd/server/v3/etcdserver/api/v3rpc"
	"go.etcd.io/etcd/server/v3/proxy/grpcproxy/adapter"
	"go.etcd.io/etcd/server/v3/storage/mvcc"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// startTimeout bounds how long Start waits for the member to elect itself.
const startTimeout = 30 * time.Second

// Config configures the embedded etcd member.
type Config struct {
	// DataDir holds the member's WAL and database. Required.
	DataDir string
	// Logger receives etcd's warnings and errors. Nil means slog.Default().
	Logger *slog.Logger
}

func (c *Config) validate() error {
	if c.DataDir == "" {
		return errors.New("etcd: data dir is required")
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// Server is a running embedded etcd member and a client connected to it.
// Its methods are safe for concurrent use.
type Server struct {
	etcd      *embed.Etcd
	client    *clientv3.Client
	endpoints []string
	closeOnce sync.Once
	// local guards the in-process reads (Revision, Get) against Close:
	// the member's backend must not be read once it is closing, which a
	// request still in flight at shutdown would otherwise do.
	local  sync.RWMutex
	closed bool
	// closing is set when Close begins; the member's log reads it.
	closing *atomic.Bool
	// rev is the member's revision as last read, with the applied index
	// it was read at (see Revision).
	rev atomic.Pointer[revisionAt]
}

// revisionAt is a revision read from the member when its applied index
// was index: at least the revision of every entry up to index.
type revisionAt struct {
	index uint64
	rev   int64
}

// ErrClosed is what the in-process reads return once Close has begun.
var ErrClosed = errors.New("etcd: server closed")

// Start starts a single-member etcd in cfg.DataDir, listening on ephemeral
// loopback ports, and returns once the member is leader and a client is
// connected. ctx bounds the start only.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	closing := new(atomic.Bool)
	ec := embedConfig(cfg, closing)
	e, err := embed.StartEtcd(ec)
	if err != nil {
		return nil, fmt.Errorf("etcd: start: %w", err)
	}
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, fmt.Errorf("etcd: start: %w", err)
	case <-ctx.Done():
		e.Close()
		return nil, fmt.Errorf("etcd: start: %w", ctx.Err())
	case <-timer.C:
		e.Close()
		return nil, errors.New("etcd: start: timed out waiting for the member to become ready")
	}
	endpoints := make([]string, 0, len(e.Clients))
	for _, l := range e.Clients {
		endpoints = append(endpoints, "http://"+l.Addr().String())
	}
	cli, err := newClient(ctx, endpoints, nil, cfg.Logger)
	if err != nil {
		e.Close()
		return nil, err
	}
	return &Server{etcd: e, client: cli, endpoints: endpoints, closing: closing}, nil
}

// The embedded member's snapshot cadence (see embedConfig).
const (
	embedSnapshotCount   = 2500
	embedSnapshotCatchUp = 500
)

func embedConfig(cfg Config, closing *atomic.Bool) *embed.Config {
	loopback := url.URL{Scheme: "http", Host: "127.0.0.1:0"}
	ec := embed.NewConfig()
	ec.Name = "skiff"
	ec.Dir = cfg.DataDir
	ec.InitialCluster = ec.InitialClusterFromName(ec.Name)
	ec.ListenClientUrls = []url.URL{loopback}
	ec.AdvertiseClientUrls = []url.URL{loopback}
	ec.ListenPeerUrls = []url.URL{loopback}
	ec.AdvertisePeerUrls = []url.URL{loopback}
	ec.InitialCluster = ec.Name + "=" + loopback.String()
	// A single member elects itself after one tick; short ticks make that fast.
	ec.TickMs = 10
	ec.ElectionMs = 100
	ec.EnableGRPCGateway = false
	// etcd keeps the raft entries since its last snapshot, plus the
	// catch-up entries, in memory: with the defaults (10,000 + 5,000) that
	// is tens of MiB of recent writes. The catch-up entries serve slow
	// followers, and a single member has none.
	ec.SnapshotCount = embedSnapshotCount
	ec.SnapshotCatchUpEntries = embedSnapshotCatchUp
	ec.Metrics = "basic"
	// Progress notifications keep the watch caches' revisions moving.
	ec.WatchProgressNotifyInterval = 5 * time.Second
	ec.Logger = "zap"
	ec.LogLevel = "warn"
	ec.ZapLoggerBuilder = embed.NewZapLoggerBuilder(newZapLogger(cfg.Logger, zapcore.WarnLevel, closing))
	return ec
}

// Client returns the client connected to the member. It is owned by the
// Server and closed by Close.
func (s *Server) Client() *clientv3.Client { return s.client }

// Endpoints returns the member's client URLs (loopback).
func (s *Server) Endpoints() []string { return append([]string(nil), s.endpoints...) }

// Close closes the client and stops the member, waiting until its files are
// closed. It is idempotent.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.local.Lock()
		s.closed = true
		s.local.Unlock()
		s.closing.Store(true)
		if err := s.client.Close(); err != nil && !errors.Is(err, context.Canceled) {
			s.etcd.GetLogger().Warn("close etcd client", zap.Error(err))
		}
		s.etcd.Close()
	})
}

// waitApplied waits until the member has applied every entry committed so
// far. A quorum read does the same (ReadIndex). It matters because etcd
// notifies watchers of a write before the write transaction ends: a
// client that saw the watch event may otherwise read the store a moment
// before the write becomes visible there (a pod just created read as
// missing when the scheduler binds it).
func (s *Server) waitApplied(ctx context.Context) error {
	select {
	case <-s.etcd.Server.ApplyWaitCommit():
		return nil
	case <-s.etcd.Server.StopNotify():
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Connect returns a client for an external etcd cluster. tlsConfig may be nil
// for plain-text endpoints. It returns once one endpoint answered.
func Connect(ctx context.Context, endpoints []string, tlsConfig *tls.Config) (*clientv3.Client, error) {
	if len(endpoints) == 0 {
		return nil, errors.New("etcd: no endpoints given")
	}
	cli, err := newClient(ctx, endpoints, tlsConfig, slog.Default())
	if err != nil {
		return nil, err
	}
	return cli, nil
}

func newClient(ctx context.Context, endpoints []string, tlsConfig *tls.Config, log *slog.Logger) (*clientv3.Client, error) {
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:          endpoints,
		TLS:                tlsConfig,
		Context:            context.WithoutCancel(ctx),
		DialTimeout:        10 * time.Second,
		DialKeepAliveTime:  30 * time.Second,
		MaxCallSendMsgSize: 2 * 1024 * 1024,
		Logger:             newZapLogger(log, zapcore.WarnLevel, nil),
	})
	if err != nil {
		return nil, fmt.Errorf("etcd: connect to %v: %w", endpoints, err)
	}
	// Make sure an endpoint answers before handing the client out.
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := cli.Get(pctx, "/skiff-health"); err != nil {
		if cerr := cli.Close(); cerr != nil {
			log.Warn("close etcd client", "err", cerr)
		}
		return nil, fmt.Errorf("etcd: no endpoint of %v answered within 10 s: %w", endpoints, err)
	}
	return cli, nil
}

// Revision is the member's current revision, read in-process. It is at
// least the revision of every write acknowledged or watched so far (see
// waitApplied). Reading it from the store opens a read transaction, so
// while the applied index stays where it was the last reading is returned
// again: the revision moves only with applied entries, and a reading
// taken at that index is at least the revision of every entry up to it.
func (s *Server) Revision() (int64, error) {
	if err := s.waitApplied(context.Background()); err != nil {
		return 0, err
	}
	s.local.RLock()
	defer s.local.RUnlock()
	if s.closed {
		return 0, ErrClosed
	}
	index := s.etcd.Server.AppliedIndex()
	if last := s.rev.Load(); last != nil && last.index == index {
		return last.rev, nil
	}
	rev := s.etcd.Server.KV().Rev()
	s.rev.Store(&revisionAt{index: index, rev: rev})
	return rev, nil
}

// Get reads key's latest value from the member's applied state, in-process
// and without a round trip. It is as consistent as a quorum read: it sees
// every write acknowledged or watched before the call.
func (s *Server) Get(ctx context.Context, key string) (value []byte, modRev int64, found bool, err error) {
	if err := s.waitApplied(ctx); err != nil {
		return nil, 0, false, err
	}
	s.local.RLock()
	defer s.local.RUnlock()
	if s.closed {
		return nil, 0, false, ErrClosed
	}
	// The shared read buffer, under its read lock for the one key, as
	// etcd reads inside its write transactions: KV().Range would first
	// copy every write not yet committed to the database (hundreds while
	// the server is busy writing), for one key.
	tx := s.etcd.Server.KV().Read(mvcc.SharedBufReadTxMode, traceutil.TODO())
	res, err := tx.Range(ctx, []byte(key), nil, mvcc.RangeOptions{})
	tx.End()
	if err != nil {
		return nil, 0, false, err
	}
	if len(res.KVs) == 0 {
		return nil, 0, false, nil
	}
	kv := res.KVs[0]
	return kv.Value, kv.ModRevision, true, nil
}

// KV is an in-process client of the member's key-value API: requests are
// function calls into the server (etcd's own v3client adapter) instead
// of gRPC over loopback, which cost a tenth of the API server's CPU on
// writes. Like the in-process reads, it answers ErrClosed once Close has
// begun.
func (s *Server) KV() clientv3.KV {
	return clientv3.NewKVFromKVClient(s.KVClient(), s.client)
}

// KVClient is KV's protocol-level client: requests as etcd's own messages,
// built by the caller, so that a write's value goes to the member without
// clientv3 copying it into an Op first.
func (s *Server) KVClient() pb.KVClient {
	return adapter.KvServerToKvClient(newGuardedKV(s, v3rpc.NewQuotaKVServer(s.etcd.Server)))
}

// guardedKV refuses requests once Close has begun and keeps Close waiting
// for those in flight, so that no request reads a closing backend.
// (RangeStream, which the in-process adapter does not offer, is passed
// through.)
type guardedKV struct {
	pb.KVServer
	s *Server
}

func newGuardedKV(s *Server, next pb.KVServer) guardedKV { return guardedKV{KVServer: next, s: s} }

// guarded calls call unless Close has begun, holding Close off meanwhile.
func guarded[Q, A any](s *Server, ctx context.Context, q Q, call func(context.Context, Q) (A, error)) (A, error) {
	s.local.RLock()
	defer s.local.RUnlock()
	if s.closed {
		var zero A
		return zero, ErrClosed
	}
	return call(ctx, q)
}

func (g guardedKV) Range(ctx context.Context, r *pb.RangeRequest) (*pb.RangeResponse, error) {
	return guarded(g.s, ctx, r, g.KVServer.Range)
}

func (g guardedKV) Put(ctx context.Context, r *pb.PutRequest) (*pb.PutResponse, error) {
	return guarded(g.s, ctx, r, g.KVServer.Put)
}

func (g guardedKV) DeleteRange(ctx context.Context, r *pb.DeleteRangeRequest) (*pb.DeleteRangeResponse, error) {
	return guarded(g.s, ctx, r, g.KVServer.DeleteRange)
}

func (g guardedKV) Txn(ctx context.Context, r *pb.TxnRequest) (*pb.TxnResponse, error) {
	return guarded(g.s, ctx, r, g.KVServer.Txn)
}

func (g guardedKV) Compact(ctx context.Context, r *pb.CompactionRequest) (*pb.CompactionResponse, error) {
	return guarded(g.s, ctx, r, g.KVServer.Compact)
}
