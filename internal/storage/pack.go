package storage

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
// packed is left as it is. Call it when the server is quiet: each cache is
// locked while it is packed (about 17 ms for 10,000 pods), and a busy
// cache would soon scatter its messages again.
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

// pack replaces every entry and history event with a copy whose bytes are
// packed. Entries and events are never changed once made, so readers that
// hold the old ones (a list being written, a watcher's buffer) keep them
// as they were; an entry that several places share (the items, the list,
// an event's cur and prev) is replaced by one copy everywhere.
func (c *cache) pack() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.packed && c.changes == c.packedAt {
		return 0 // packed already, and nothing came since
	}
	c.packed, c.packedAt = true, c.changes
	var p packer
	moved := make(map[*entry]*entry, len(c.list))
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
	for i, e := range c.list {
		n := move(e)
		c.list[i] = n
		c.items[e.key] = n
	}
	for i := range c.histLen {
		j := (c.histStart + i) % len(c.history)
		ev := c.history[j]
		cur, prev := move(ev.cur), move(ev.prev)
		if cur != ev.cur || prev != ev.prev {
			n := *ev
			n.cur, n.prev = cur, prev
			c.history[j] = &n
		}
	}
	return len(moved)
}
