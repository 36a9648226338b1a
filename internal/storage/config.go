package storage

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/clock"
)

// Defaults for Config.
const (
	DefaultPrefix           = "/registry"
	DefaultEventHistory     = 10000
	DefaultCompactInterval  = 5 * time.Minute
	DefaultBookmarkInterval = time.Minute
	DefaultWatchBacklog     = 8192
)

// Transformer transforms object bytes on their way to and from etcd, e.g.
// for encryption at rest. key is the full etcd key of the object.
type Transformer interface {
	TransformToStorage(ctx context.Context, data []byte, key string) ([]byte, error)
	TransformFromStorage(ctx context.Context, data []byte, key string) ([]byte, error)
}

// StaleChecker is optionally implemented by a Transformer. Stale reports
// whether stored bytes were written by a configuration other than the
// current write path (an encryption key or provider that is no longer first,
// see internal/encryption). Update rewrites such an object even when its
// content is unchanged, so rewriting every object (kubectl replace) rotates
// keys, as upstream's stale flag does.
type StaleChecker interface {
	Stale(stored []byte, key string) bool
}

// Config configures a Store.
type Config struct {
	// Client talks to etcd. Required; the Store does not close it.
	Client *clientv3.Client
	// Prefix is prepended to every key. Default "/registry".
	Prefix string
	// Scheme knows every type stored; used for the protobuf codec. Required.
	Scheme *runtime.Scheme
	// EventHistory is the number of watch events kept per resource for
	// resuming watches from a resourceVersion. Default 10000.
	EventHistory int
	// CompactInterval is how often Run compacts etcd, to the revision seen
	// one interval earlier. Default 5m; negative disables compaction.
	CompactInterval time.Duration
	// BookmarkInterval is how often watchers that allow bookmarks get one.
	// Default 1m.
	BookmarkInterval time.Duration
	// WatchBacklog is how many events a cached watch may fall behind
	// beyond its buffer of 512 before it is terminated (and its client
	// must watch again). Default 8192.
	WatchBacklog int
	// Logger receives decode failures and watch restarts. Default slog.Default().
	Logger *slog.Logger
	// Transformer is applied to stored bytes. Nil means identity.
	Transformer Transformer
	// Clock drives compaction and bookmarks. Nil means the real clock.
	Clock clock.WithTicker
	// Local, when set, serves consistent reads (the latest object, the
	// current revision), writes and watches in-process instead of asking
	// etcd over the client. Only a member alone in its cluster can offer
	// it.
	Local LocalReader
}

// LocalReader reads the applied state of the only member of an embedded
// etcd, and offers its key-value API in-process. Its answers include every write acknowledged before the call.
type LocalReader interface {
	// Revision is the store's current revision.
	Revision() (int64, error)
	// Get returns key's latest value and mod revision; found is false
	// when the key does not exist.
	Get(ctx context.Context, key string) (value []byte, modRev int64, found bool, err error)
	// KV is the member's key-value API called in-process; the store
	// compacts and counts through it.
	KV() clientv3.KV
	// KVClient is the same API at the protocol level; the store writes
	// objects through it (putIf).
	KVClient() pb.KVClient
	// Watcher is the member's watch API called in-process; the watch
	// caches watch through it. The store closes it.
	Watcher() clientv3.Watcher
}

func (c *Config) validate() error {
	if c.Client == nil {
		return errors.New("storage: etcd client is required")
	}
	if c.Scheme == nil {
		return errors.New("storage: scheme is required")
	}
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	c.Prefix = "/" + strings.Trim(c.Prefix, "/")
	if c.EventHistory <= 0 {
		c.EventHistory = DefaultEventHistory
	}
	if c.CompactInterval == 0 {
		c.CompactInterval = DefaultCompactInterval
	}
	if c.WatchBacklog <= 0 {
		c.WatchBacklog = DefaultWatchBacklog
	}
	if c.BookmarkInterval <= 0 {
		c.BookmarkInterval = DefaultBookmarkInterval
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Transformer == nil {
		c.Transformer = identity{}
	}
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	return nil
}

type identity struct{}

func (identity) TransformToStorage(_ context.Context, data []byte, _ string) ([]byte, error) {
	return data, nil
}

func (identity) TransformFromStorage(_ context.Context, data []byte, _ string) ([]byte, error) {
	return data, nil
}

// AttrFunc returns the label and field sets a selector is matched against.
type AttrFunc func(obj runtime.Object) (labels.Set, fields.Set, error)

// ResourceConfig describes one stored resource.
type ResourceConfig struct {
	// GroupResource names the resource in errors.
	GroupResource schema.GroupResource
	// Key is the etcd key segment, e.g. "apps/deployments".
	Key string
	// Namespaced says whether keys carry a namespace segment.
	Namespaced bool
	// GVK is the kind objects are stored and returned as; returned objects
	// always carry this TypeMeta.
	GVK schema.GroupVersionKind
	// New returns an empty object of the kind; NewList an empty list.
	New     func() runtime.Object
	NewList func() runtime.Object
	// Attrs returns the sets selectors match against. Nil means the object's
	// labels and the fields metadata.name and metadata.namespace.
	Attrs AttrFunc
	// ShareDecoded makes each cached object decode at most once for the
	// readers that promise not to change it (GetShared, SharedObjects),
	// and keeps it decoded beside its encoding: for small resources read
	// on every write of another (a namespace, a service account, the
	// priority classes on each pod create).
	ShareDecoded bool
	// Uncached serves the resource from etcd without a watch cache:
	// lists read etcd, and each watch is an etcd watch of its own. For
	// resources many write and few read, which a cache would only hold
	// in memory (upstream caches no events, see uncached.go).
	Uncached bool
	// WatchIndex names a field (of Attrs) that the cache indexes its
	// watchers by, as upstream's TriggerFunc (pods: spec.nodeName): a
	// watcher whose field selector requires one value of it is handed only
	// the events of objects that have that value, before or after the
	// change. Without it, every event of the resource goes to every
	// watcher, and each one's selector drops what it does not match: with
	// one pod watch per kubelet, a thousand nodes would mean a thousand
	// wake-ups for each pod change.
	WatchIndex string
	// TTL, when positive, makes etcd delete each object TTL (and at most
	// a minute more) after its last write, as upstream's --event-ttl
	// does for events (lease.go).
	TTL time.Duration
}

func (rc *ResourceConfig) validate() error {
	switch {
	case rc.Key == "":
		return errors.New("storage: resource key is required")
	case rc.New == nil:
		return errors.New("storage: resource New is required")
	case rc.GVK.Kind == "":
		return errors.New("storage: resource GVK is required")
	}
	rc.Key = strings.Trim(rc.Key, "/")
	if rc.Attrs == nil {
		rc.Attrs = defaultAttrs
	}
	return nil
}
