package storage

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
)

// Store is the object store over etcd. It owns one watch cache per resource
// (started by Resource) and, in Run, the compaction loop. Its methods are safe
// for concurrent use.
type Store struct {
	cfg    Config
	client *clientv3.Client
	// kv serves writes, compaction and counts: the member in-process when
	// Local offers it, else client. kvc, the member's protocol-level
	// client, is set with Local only: putIf writes objects through it.
	kv  clientv3.KV
	kvc pb.KVClient
	// watcher carries the watch caches' watches and progress requests:
	// the member in-process when Local offers it (then closed by Close),
	// else client.
	watcher      clientv3.Watcher
	closeWatcher bool
	codec        runtime.Serializer
	log          *slog.Logger

	// baseCtx bounds the lifetime of the watch caches' goroutines; it is
	// cancelled by Close. It carries the metadata that makes every cache
	// watch share one stream, so one progress request reaches them all.
	baseCtx context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	progress    chan struct{}
	waitTimeout time.Duration // see waitTimeout; tests shorten it

	mu        sync.Mutex
	resources map[string]*resourceSlot
}

// resourceSlot lets concurrent callers of Resource wait for one priming.
type resourceSlot struct {
	ready chan struct{}
	res   *Resource
	err   error
}

// New returns a Store. Call Close when done with it.
func New(cfg Config) (*Store, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Store{
		cfg:         cfg,
		client:      cfg.Client,
		kv:          cfg.Client.KV,
		watcher:     cfg.Client.Watcher,
		codec:       protobuf.NewSerializer(cfg.Scheme, cfg.Scheme),
		log:         cfg.Logger.With("component", "storage"),
		baseCtx:     clientv3.WithRequireLeader(ctx),
		cancel:      cancel,
		progress:    make(chan struct{}, 1),
		waitTimeout: waitTimeout,
		resources:   map[string]*resourceSlot{},
	}
	if cfg.Local != nil {
		s.kv, s.kvc = cfg.Local.KV(), cfg.Local.KVClient()
		s.watcher, s.closeWatcher = cfg.Local.Watcher(), true
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.requestProgressLoop(s.baseCtx)
	}()
	return s, nil
}

// Close stops every watch cache (their watchers' channels are closed) and
// waits for their goroutines. Resources must not be used afterwards.
func (s *Store) Close() {
	s.cancel()
	s.wg.Wait()
	if s.closeWatcher {
		if err := s.watcher.Close(); err != nil {
			s.log.Warn("close the in-process etcd watcher", "err", err)
		}
	}
}

// Resource returns the store for one resource, starting its watch cache on
// the first call (an initial list and one etcd watch) unless rc is
// Uncached. It returns once the cache is primed. Later calls with the same Key return the same Resource.
func (s *Store) Resource(ctx context.Context, rc ResourceConfig) (*Resource, error) {
	if err := rc.validate(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	slot, ok := s.resources[rc.Key]
	if !ok {
		slot = &resourceSlot{ready: make(chan struct{})}
		s.resources[rc.Key] = slot
	}
	s.mu.Unlock()
	if !ok {
		slot.res, slot.err = s.startResource(ctx, rc)
		close(slot.ready)
		if slot.err != nil {
			s.mu.Lock()
			delete(s.resources, rc.Key)
			s.mu.Unlock()
		}
	}
	select {
	case <-slot.ready:
		return slot.res, slot.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *Store) startResource(ctx context.Context, rc ResourceConfig) (*Resource, error) {
	r := &Resource{
		store:  s,
		rc:     rc,
		prefix: s.cfg.Prefix + "/" + rc.Key + "/",
	}
	if rc.Uncached {
		return r, nil
	}
	r.cache = newCache(s.cfg.EventHistory, rc.WatchIndex)
	r.cache.backlog = s.cfg.WatchBacklog
	rev, err := r.prime(ctx)
	if err != nil {
		return nil, fmt.Errorf("storage: prime cache of %s: %w", rc.GroupResource, err)
	}
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		r.reflect(s.baseCtx, rev)
	}()
	go func() {
		defer s.wg.Done()
		r.bookmarkLoop(s.baseCtx)
	}()
	return r, nil
}

// CurrentRevision returns etcd's current revision (one cheap request).
func (s *Store) CurrentRevision(ctx context.Context) (uint64, error) {
	rev, err := s.currentRevision(ctx)
	return uint64(rev), err
}

func (s *Store) currentRevision(ctx context.Context) (int64, error) {
	if s.cfg.Local != nil {
		rev, err := s.cfg.Local.Revision()
		if err != nil {
			return 0, apierrors.NewInternalError(fmt.Errorf("storage: get current revision: %w", err))
		}
		return rev, nil
	}
	resp, err := s.kv.Get(ctx, s.cfg.Prefix+"/", clientv3.WithCountOnly())
	if err != nil {
		return 0, apierrors.NewInternalError(fmt.Errorf("storage: get current revision: %w", err))
	}
	return resp.Header.Revision, nil
}

// kickProgress asks the progress loop for one etcd progress notification.
func (s *Store) kickProgress() {
	select {
	case s.progress <- struct{}{}:
	default:
	}
}

// requestProgressLoop sends progress requests on the shared watch stream,
// coalescing concurrent kicks into one request.
func (s *Store) requestProgressLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.progress:
		}
		if err := s.watcher.RequestProgress(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("etcd progress request failed", "err", err)
			// Avoid a hot loop while etcd is unreachable; waiters re-kick.
			t := time.NewTimer(50 * time.Millisecond)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}
}
