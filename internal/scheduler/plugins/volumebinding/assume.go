package volumebinding

import "sync"

// assumed records the volumes Reserve chose for claims whose binding is
// not yet visible in the informer cache, so that later cycles do not offer
// them to other claims. Its methods are safe for concurrent use (Unreserve
// and PreBind run in binding goroutines).
type assumed struct {
	mu sync.Mutex
	// byVolume maps a volume name to the claim ("namespace/name") it is
	// assumed for.
	byVolume map[string]string
}

func newAssumed() *assumed { return &assumed{byVolume: map[string]string{}} }

// claimOf returns the claim the volume is assumed for, "" if none.
func (a *assumed) claimOf(volume string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.byVolume[volume]
}

// assume records the bindings (claim key -> volume name) all at once; it
// fails, recording none, if a volume is assumed for another claim.
func (a *assumed) assume(bindings []binding) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, b := range bindings {
		if c, ok := a.byVolume[b.volume]; ok && c != b.claimKey() {
			return false
		}
	}
	for _, b := range bindings {
		a.byVolume[b.volume] = b.claimKey()
	}
	return true
}

// forget drops the bindings' assumptions (those still made for their
// claims).
func (a *assumed) forget(bindings []binding) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, b := range bindings {
		if a.byVolume[b.volume] == b.claimKey() {
			delete(a.byVolume, b.volume)
		}
	}
}
