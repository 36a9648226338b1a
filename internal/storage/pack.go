package storage

import "sort"

// Packing the watch caches' messages once the server is quiet.
//
// Go never moves objects, and the messages the caches keep (most of a
// loaded server's long-lived heap) were allocated among the garbage of the
// requests that wrote them: request bodies, responses and etcd's own
// copies, byte slices of the very same sizes. Once that garbage is
// collected, each span that holds one kept message stays in use, and a
// server that stored 10,000 pods held about half again its live heap in
// spans. Pack copies the kept messages side by side into blocks of their
// own, so that the spans they came from hold nothing and go back to the
// operating system with the next release (internal/idlemem).

// packBlock is the size of the blocks Pack copies messages into: large
// enough that each is an allocation of its own spans, small enough that
// the last, partly filled one wastes little.
const packBlock = 256 << 10

// packer hands out copies of byte slices placed one after another in
// shared blocks. A block stays in memory while any copy in it is used.
type packer struct{ block []byte }

func (p *packer) copy(b []byte) []byte {
	if b == nil {
		return nil
	}
	if len(b) > packBlock/8 {
		return append([]byte(nil), b...)
	}
	if cap(p.block)-len(p.block) < len(b) {
		p.block = make([]byte, 0, packBlock)
	}
	off := len(p.block)
	p.block = append(p.block, b...)
	return p.block[off:len(p.block):len(p.block)]
}

// Pack copies the encoded objects every watch cache holds (its current
// entries and the events of its history) into dense blocks and returns how
// many entries it copied. A cache that has not changed since it was last
// packed is left as it is. Call it when the server is quiet: a busy cache
// would soon scatter its messages again. Packing 10,000 pods takes about
// 17 ms, during which the cache's lock is held for a batch at a time.
func (s *Store) Pack() int {
	s.mu.Lock()
	var caches []*cache
	for _, slot := range s.resources {
		select {
		case <-slot.ready:
			if slot.res != nil && slot.res.cache != nil {
				caches = append(caches, slot.res.cache)
			}
		default: // still priming
		}
	}
	s.mu.Unlock()
	n := 0
	for _, c := range caches {
		n += c.pack()
	}
	return n
}

// packBatch is how many entries, then events, pack copies per hold of
// the cache's lock, so that a write or read of a large cache waits for a
// batch (under 2 ms), not for the whole packing. A variable for tests.
var packBatch = 1000

// pack replaces every entry and history event with a copy whose bytes are
// packed, a batch at a time. Entries and events are never changed once
// made, so readers that hold the old ones (a list being written, a
// watcher's buffer) keep them as they were; an entry that several places
// share (the items, the list, an event's cur and prev) is replaced by one
// copy everywhere. Changes between batches are simply not packed: they
// set unpacked again, so the next pack runs.
func (c *cache) pack() int {
	c.mu.Lock()
	if !c.unpacked {
		c.mu.Unlock()
		return 0 // packed already, and nothing came since
	}
	c.unpacked = false
	c.mu.Unlock()

	var p packer
	moved := map[*entry]*entry{}
	move := func(e *entry) *entry {
		if e == nil || (e.msg == nil && e.data == nil) {
			return e
		}
		if n, ok := moved[e]; ok {
			return n
		}
		n := *e
		n.msg, n.data = p.copy(e.msg), p.copy(e.data)
		moved[e] = &n
		return &n
	}
	// The entries, in key order: each batch starts at the first key after
	// the last one packed.
	for from, first := "", true; ; first = false {
		c.mu.Lock()
		i := 0
		if !first {
			i = c.searchLocked(from)
		}
		end := min(i+packBatch, len(c.list))
		for ; i < end; i++ {
			e := c.list[i]
			n := move(e)
			c.list[i], c.items[e.key] = n, n
		}
		done := end >= len(c.list)
		if !done {
			from = c.list[end].key
		}
		c.mu.Unlock()
		if done {
			break
		}
	}
	// The history, in revision order: each batch starts after the last
	// revision packed, and ends with every event of its last revision.
	for after := int64(-1); ; {
		c.mu.Lock()
		n := len(c.history)
		at := func(i int) *event { return c.history[(c.histStart+i)%n] }
		i := sort.Search(c.histLen, func(i int) bool { return at(i).rev > after })
		for end := min(i+packBatch, c.histLen); i < c.histLen && (i < end || at(i).rev == after); i++ {
			ev := at(i)
			cur, prev := move(ev.cur), move(ev.prev)
			if cur != ev.cur || prev != ev.prev {
				copied := *ev
				copied.cur, copied.prev = cur, prev
				c.history[(c.histStart+i)%n] = &copied
			}
			after = ev.rev
		}
		done := i >= c.histLen
		c.mu.Unlock()
		if done {
			break
		}
	}
	return len(moved)
}
