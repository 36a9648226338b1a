package audit

import (
	"context"
	"sync"
)

// annotations collects the audit annotations of one audited request.
type annotations struct {
	mu sync.Mutex
	m  map[string]string
}

type annotationsKey struct{}

// AddAnnotation records key=value on the audit event of the request ctx
// belongs to, as upstream's audit.AddAuditAnnotation (admission plugins
// call it, e.g. PodSecurity's audit mode); outside an audited request it
// does nothing. The first value of a key wins.
func AddAnnotation(ctx context.Context, key, value string) {
	a, ok := ctx.Value(annotationsKey{}).(*annotations)
	if !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		a.m = map[string]string{}
	}
	if _, set := a.m[key]; !set {
		a.m[key] = value
	}
}

// withAnnotations returns ctx collecting annotations into a.
func withAnnotations(ctx context.Context, a *annotations) context.Context {
	return context.WithValue(ctx, annotationsKey{}, a)
}

// copyTo adds the collected annotations to ev.
func (a *annotations) copyTo(ev *Event) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for k, v := range a.m {
		if ev.Annotations == nil {
			ev.Annotations = map[string]string{}
		}
		ev.Annotations[k] = v
	}
}
