package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// compactRevKey is the key upstream's API servers use to agree on who
// compacts; sharing it keeps several servers (even kube-apiservers) on one
// etcd from compacting in turn.
const compactRevKey = "compact_rev_key"

// Run compacts etcd every CompactInterval to the revision seen one interval
// earlier, as upstream does. It blocks until ctx ends and returns nil then.
func (s *Store) Run(ctx context.Context) error {
	if s.cfg.CompactInterval < 0 {
		<-ctx.Done()
		return nil
	}
	t := s.cfg.Clock.NewTicker(s.cfg.CompactInterval)
	defer t.Stop()
	var version, prevRev int64
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C():
		}
		if prevRev > 0 {
			v, err := s.compact(ctx, version, prevRev)
			if err != nil {
				s.log.Warn("etcd compaction failed", "revision", prevRev, "err", err)
			} else {
				version = v
			}
		}
		rev, err := s.currentRevision(ctx)
		if err != nil {
			s.log.Warn("etcd compaction: cannot read revision", "err", err)
			continue
		}
		prevRev = rev
	}
}

// compact compacts etcd to rev unless another server did since it saw
// version of compactRevKey; it returns the key's new version.
func (s *Store) compact(ctx context.Context, version, rev int64) (int64, error) {
	resp, err := s.kv.Txn(ctx).
		If(clientv3.Compare(clientv3.Version(compactRevKey), "=", version)).
		Then(clientv3.OpPut(compactRevKey, strconv.FormatInt(rev, 10))).
		Else(clientv3.OpGet(compactRevKey)).
		Commit()
	if err != nil {
		return version, fmt.Errorf("storage: compaction txn: %w", err)
	}
	if !resp.Succeeded {
		kvs := resp.Responses[0].GetResponseRange().GetKvs()
		if len(kvs) == 0 {
			return 0, nil
		}
		return kvs[0].Version, nil
	}
	if _, err := s.kv.Compact(ctx, rev); err != nil && !errors.Is(err, rpctypes.ErrCompacted) {
		return version + 1, fmt.Errorf("storage: compact to %d: %w", rev, err)
	}
	s.log.Debug("etcd compacted", "revision", rev)
	return version + 1, nil
}
