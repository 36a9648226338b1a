package kubelet

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	authzv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"
)

// Upstream's kubelet webhook authorization defaults
// (authorization.webhook.cacheAuthorizedTTL and cacheUnauthorizedTTL).
const (
	DefaultAuthorizedTTL   = 5 * time.Minute
	DefaultUnauthorizedTTL = 30 * time.Second
)

// maxReviewCache bounds the decisions a ReviewAuthorizer keeps; when full,
// expired entries go first, then everything.
const maxReviewCache = 8192

// Attributes are what the kubelet API asks an authorizer: may User (in
// Groups) do Verb on nodes/Subresource Name?
type Attributes struct {
	User        string
	Groups      []string
	Verb        string
	Subresource string
	Name        string
}

// Authorizer decides the requests of the kubelet API. An error means no
// decision could be made (the request fails with 500).
type Authorizer interface {
	Authorize(ctx context.Context, a Attributes) (allowed bool, err error)
}

// ReviewAuthorizer is upstream's kubelet Webhook authorization mode: it
// asks the API server with a SubjectAccessReview (resource nodes, API
// version v1) and caches each decision, allowed ones for AuthorizedTTL and
// denied ones for UnauthorizedTTL. One ReviewAuthorizer may serve many
// nodes; it is safe for concurrent use.
type ReviewAuthorizer struct {
	client          kubernetes.Interface
	clock           clock.PassiveClock
	authorizedTTL   time.Duration
	unauthorizedTTL time.Duration

	mu    sync.Mutex
	cache map[string]reviewEntry
}

type reviewEntry struct {
	allowed bool
	expires time.Time
}

// NewReviewAuthorizer returns an authorizer creating SubjectAccessReviews
// through client, with upstream's cache TTLs; clk is the real clock when
// nil.
func NewReviewAuthorizer(client kubernetes.Interface, clk clock.PassiveClock) *ReviewAuthorizer {
	if clk == nil {
		clk = clock.RealClock{}
	}
	return &ReviewAuthorizer{client: client, clock: clk, authorizedTTL: DefaultAuthorizedTTL,
		unauthorizedTTL: DefaultUnauthorizedTTL, cache: map[string]reviewEntry{}}
}

// Authorize implements Authorizer.
func (r *ReviewAuthorizer) Authorize(ctx context.Context, a Attributes) (bool, error) {
	key := reviewKey(a)
	now := r.clock.Now()
	r.mu.Lock()
	e, ok := r.cache[key]
	r.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.allowed, nil
	}
	sar := &authzv1.SubjectAccessReview{Spec: authzv1.SubjectAccessReviewSpec{
		User:   a.User,
		Groups: a.Groups,
		ResourceAttributes: &authzv1.ResourceAttributes{
			Verb: a.Verb, Version: "v1", Resource: "nodes", Subresource: a.Subresource, Name: a.Name,
		},
	}}
	out, err := r.client.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
	if err != nil {
		return false, fmt.Errorf("subjectaccessreview: %w", err)
	}
	allowed := out.Status.Allowed && !out.Status.Denied
	ttl := r.unauthorizedTTL
	if allowed {
		ttl = r.authorizedTTL
	}
	r.mu.Lock()
	if len(r.cache) >= maxReviewCache {
		r.evict(now)
	}
	r.cache[key] = reviewEntry{allowed: allowed, expires: now.Add(ttl)}
	r.mu.Unlock()
	return allowed, nil
}

// evict drops expired entries, or all when none has expired. r.mu held.
func (r *ReviewAuthorizer) evict(now time.Time) {
	for k, e := range r.cache {
		if !now.Before(e.expires) {
			delete(r.cache, k)
		}
	}
	if len(r.cache) >= maxReviewCache {
		clear(r.cache)
	}
}

// reviewKey identifies the review of a (groups in any order).
func reviewKey(a Attributes) string {
	groups := slices.Clone(a.Groups)
	slices.Sort(groups)
	return strings.Join([]string{a.User, strings.Join(groups, "\x01"), a.Verb, a.Subresource, a.Name}, "\x00")
}
