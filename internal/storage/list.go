package storage

import (
	"context"
	"errors"
	"fmt"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// maxSelectorBatch caps one etcd range read of a filtered paged list.
const maxSelectorBatch = 10000

// ListOptions are the list parameters of the API.
type ListOptions struct {
	Label                labels.Selector // nil = everything
	Field                fields.Selector // nil = everything
	ResourceVersion      string
	ResourceVersionMatch string // "", "NotOlderThan" or "Exact"
	Limit                int64
	Continue             string
}

// ListResult is one page of a list, sorted by key. Its objects are
// decoded from their stored encodings only when asked for (Objects); a
// protobuf client is served the encodings themselves (Protobuf).
type ListResult struct {
	ResourceVersion    uint64
	Continue           string
	RemainingItemCount *int64 // set only when the list has no selector and more items remain

	// entries are the page's entries when it came from storage; items
	// are the decoded objects, made on first use (or given, see
	// WithObjects).
	entries []*entry
	items   []runtime.Object
}

// Len is the number of items on the page.
func (l *ListResult) Len() int {
	if l.entries != nil {
		return len(l.entries)
	}
	return len(l.items)
}

// Objects returns the page's objects, decoding them on the first call.
// They are the caller's own.
func (l *ListResult) Objects() []runtime.Object {
	if l.items == nil && l.entries != nil {
		l.items = make([]runtime.Object, len(l.entries))
		for i, e := range l.entries {
			l.items[i] = e.object()
		}
	}
	return l.items
}

// SharedObjects is Objects for readers that do not change what they get:
// entries of a resource with ShareDecoded hand out the object they
// decoded once instead of a copy each.
func (l *ListResult) SharedObjects() []runtime.Object {
	if l.entries == nil {
		return l.Objects()
	}
	out := make([]runtime.Object, len(l.entries))
	for i, e := range l.entries {
		out[i] = e.sharedObject()
	}
	return out
}

// WithObjects returns a page with l's resourceVersion, continue token and
// count and items as its objects (a converted view of l's).
func (l *ListResult) WithObjects(items []runtime.Object) *ListResult {
	return &ListResult{ResourceVersion: l.ResourceVersion, Continue: l.Continue, RemainingItemCount: l.RemainingItemCount, items: items}
}

// predicate is a label and field selector pair; nil selectors match all.
type predicate struct {
	label labels.Selector
	field fields.Selector
}

func (p predicate) empty() bool {
	return (p.label == nil || p.label.Empty()) && (p.field == nil || p.field.Empty())
}

func (p predicate) matches(e *entry) bool {
	return (p.label == nil || p.label.Matches(&e.labels)) && (p.field == nil || p.field.Matches(&e.fields))
}

// List returns the objects in ns ("" = all namespaces) matching the
// selectors, with upstream's resourceVersion semantics: "" is a consistent
// read, "0" any cached state, N with NotOlderThan (or no match and no limit)
// waits for the cache to reach N, and N with Exact (or with a limit and no
// match) reads etcd at revision N. Continue tokens read etcd at the
// revision of the first page, so pages are consistent with each other. An
// uncached resource answers the others from etcd's latest state, once etcd
// has reached N.
func (r *Resource) List(ctx context.Context, ns string, opts ListOptions) (*ListResult, error) {
	p := predicate{label: opts.Label, field: opts.Field}
	prefix := r.listPrefix(ns)
	if opts.Limit < 0 {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid limit %d", opts.Limit))
	}
	if opts.Continue != "" {
		if opts.ResourceVersion != "" && opts.ResourceVersion != "0" {
			return nil, apierrors.NewBadRequest("specifying resource version is not allowed when using continue")
		}
		start, rev, err := decodeContinue(opts.Continue, prefix)
		if err != nil {
			return nil, err
		}
		return r.listEtcd(ctx, prefix, start, rev, p, opts.Limit, true)
	}
	rv, err := parseRV(opts.ResourceVersion)
	if err != nil {
		return nil, err
	}
	exact := false
	switch metav1.ResourceVersionMatch(opts.ResourceVersionMatch) {
	case "":
		exact = rv > 0 && opts.Limit > 0
	case metav1.ResourceVersionMatchExact:
		if rv == 0 {
			return nil, apierrors.NewBadRequest("resourceVersionMatch Exact requires a non-zero resourceVersion")
		}
		exact = true
	case metav1.ResourceVersionMatchNotOlderThan:
		if opts.ResourceVersion == "" {
			return nil, apierrors.NewBadRequest("resourceVersionMatch NotOlderThan requires a resourceVersion")
		}
	default:
		return nil, apierrors.NewBadRequest(fmt.Sprintf("unknown resourceVersionMatch %q", opts.ResourceVersionMatch))
	}
	if exact {
		return r.listEtcd(ctx, prefix, prefix, rv, p, opts.Limit, false)
	}
	if r.cache == nil {
		return r.listLatest(ctx, prefix, p, opts.Limit, rv)
	}
	switch {
	case opts.ResourceVersion == "":
		if _, err := r.waitFresh(ctx); err != nil {
			if apierrors.IsTimeout(err) {
				// The cache is behind; answer from etcd instead.
				return r.listEtcd(ctx, prefix, prefix, 0, p, opts.Limit, false)
			}
			return nil, err
		}
	case rv > 0:
		if _, err := r.waitForRev(ctx, rv); err != nil {
			return nil, err
		}
	}
	return r.listCache(prefix, p, opts.Limit)
}

// listCache answers a list from the cache.
func (r *Resource) listCache(prefix string, p predicate, limit int64) (*ListResult, error) {
	c := r.cache
	c.mu.RLock()
	entries := c.rangeLocked(prefix)
	rev := c.rev
	res := &ListResult{ResourceVersion: uint64(rev)}
	if limit == 0 || limit > int64(len(entries)) {
		res.entries = make([]*entry, 0, len(entries))
	} else {
		res.entries = make([]*entry, 0, limit)
	}
	next := -1
	for i, e := range entries {
		if !p.matches(e) {
			continue
		}
		if limit > 0 && int64(len(res.entries)) == limit {
			next = i
			break
		}
		res.entries = append(res.entries, e)
	}
	var lastKey string
	if next > 0 {
		lastKey = entries[next-1].key
	}
	remaining := int64(len(entries) - next)
	c.mu.RUnlock()

	if next < 0 {
		return res, nil
	}
	token, err := encodeContinue(lastKey, prefix, rev)
	if err != nil {
		return nil, err
	}
	res.Continue = token
	if p.empty() {
		res.RemainingItemCount = &remaining
	}
	return res, nil
}

// listEtcd answers a list from etcd at revision rev (0 = latest), starting
// at key start.
func (r *Resource) listEtcd(ctx context.Context, prefix, start string, rev int64, p predicate, limit int64, fromContinue bool) (*ListResult, error) {
	end := clientv3.GetPrefixRangeEnd(prefix)
	batch := limit
	res := &ListResult{entries: []*entry{}}
	for {
		opts := []clientv3.OpOption{clientv3.WithRange(end)}
		if batch > 0 {
			opts = append(opts, clientv3.WithLimit(batch))
		}
		if rev > 0 {
			opts = append(opts, clientv3.WithRev(rev))
		}
		resp, err := r.store.client.Get(ctx, start, opts...)
		if err != nil {
			return nil, listError(err, rev, fromContinue)
		}
		if rev == 0 {
			rev = resp.Header.Revision
		}
		res.ResourceVersion = uint64(rev)
		lastKey := ""
		for i, kv := range resp.Kvs {
			if limit > 0 && int64(len(res.entries)) == limit {
				return r.finishPage(res, lastKey, prefix, rev, p, resp.Count-int64(i))
			}
			lastKey = string(kv.Key)
			e, err := r.newEntry(ctx, lastKey, kv.Value, kv.ModRevision)
			if err != nil || !p.matches(e) {
				continue // decode failures are logged by newEntry
			}
			res.entries = append(res.entries, e)
		}
		if !resp.More {
			return res, nil
		}
		if limit > 0 && int64(len(res.entries)) == limit {
			return r.finishPage(res, lastKey, prefix, rev, p, resp.Count-int64(len(resp.Kvs)))
		}
		start = lastKey + "\x00"
		if !p.empty() && batch < maxSelectorBatch {
			batch *= 2
		}
	}
}

// finishPage sets the continue token of a page that stopped after lastKey
// with remaining keys left.
func (r *Resource) finishPage(res *ListResult, lastKey, prefix string, rev int64, p predicate, remaining int64) (*ListResult, error) {
	token, err := encodeContinue(lastKey, prefix, rev)
	if err != nil {
		return nil, err
	}
	res.Continue = token
	if p.empty() {
		res.RemainingItemCount = &remaining
	}
	return res, nil
}

// listError maps etcd range errors to API errors.
func listError(err error, rev int64, fromContinue bool) error {
	switch {
	case errors.Is(err, rpctypes.ErrCompacted) && fromContinue:
		return apierrors.NewResourceExpired(continueExpiredMessage)
	case errors.Is(err, rpctypes.ErrCompacted):
		return apierrors.NewResourceExpired(fmt.Sprintf("The resourceVersion for the provided list is too old: %d", rev))
	case errors.Is(err, rpctypes.ErrFutureRev):
		return tooLargeRV(rev, 0)
	}
	return apierrors.NewInternalError(err)
}
