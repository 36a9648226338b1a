package admission

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Operation is the kind of write being admitted.
type Operation string

// The operations admission sees, named as upstream's admission.Operation.
const (
	Create Operation = "CREATE"
	Update Operation = "UPDATE"
)

// Attributes describe one write. Object is the object to store and plugins
// may mutate it in Mutate; OldObject is the stored one on update (nil on
// create) and is read-only.
type Attributes struct {
	Operation   Operation
	Resource    schema.GroupResource
	Subresource string
	Namespace   string
	Name        string
	Object      runtime.Object
	OldObject   runtime.Object
	DryRun      bool
	// Mutated is set by a mutating plugin that changed Object, telling the
	// caller to default and validate it again.
	Mutated bool
}

// Store is the cluster state plugins read, and the one write they make
// (quota status). The API server implements it over its watch cache.
type Store interface {
	// Get returns the object from the cache, reading etcd when the cache
	// does not have it yet. The object is shared: never mutate it.
	// A missing object is a NotFound API error.
	Get(ctx context.Context, gr schema.GroupResource, namespace, name string) (runtime.Object, error)
	// List returns every cached object of gr in namespace ("" = all).
	// The objects are shared: never mutate them.
	List(ctx context.Context, gr schema.GroupResource, namespace string) ([]runtime.Object, error)
	// Update is a guaranteed compare-and-swap update in etcd: fn gets a
	// private copy of the latest object and is re-run on a conflict.
	Update(ctx context.Context, gr schema.GroupResource, namespace, name string, fn func(runtime.Object) (runtime.Object, error)) (runtime.Object, error)
}

// Mutator is a plugin that may change the object.
type Mutator interface {
	Name() string
	Mutate(ctx context.Context, a *Attributes) error
}

// Validator is a plugin that may refuse the write. undo (never nil on
// success) reverses side effects when the write later fails.
type Validator interface {
	Name() string
	Validate(ctx context.Context, a *Attributes) (undo func(), err error)
}

// Config is what the chain needs. Store is required.
type Config struct {
	Store Store
	// Sleep waits between lookups of a service account being created
	// (tests pass one that returns at once).
	Sleep func(ctx context.Context, d time.Duration)
	// RandSuffix makes the 5-character suffix of token volume names.
	RandSuffix func() string
}

func (c *Config) validate() error {
	if c.Store == nil {
		return fmt.Errorf("admission: store is required")
	}
	if c.Sleep == nil {
		c.Sleep = sleepCtx
	}
	if c.RandSuffix == nil {
		c.RandSuffix = randSuffix
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// Chain runs the plugins. It is safe for concurrent use.
type Chain struct {
	mutators   []Mutator
	validators []Validator
	quota      *ResourceQuota
}

// New builds the chain of built-in plugins in upstream's order.
func New(cfg Config) (*Chain, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	lifecycle := &NamespaceLifecycle{store: cfg.Store}
	limits := &LimitRanger{store: cfg.Store}
	accounts := &ServiceAccount{store: cfg.Store, sleep: cfg.Sleep, suffix: cfg.RandSuffix}
	security := &PodSecurity{store: cfg.Store}
	priority := &Priority{store: cfg.Store}
	tolerations := &DefaultTolerationSeconds{}
	quota := &ResourceQuota{store: cfg.Store}
	return &Chain{
		// Mutating phase, in upstream's order.
		mutators: []Mutator{lifecycle, CSRRequester{}, limits, accounts, priority, tolerations, RuntimeClass{}, quota},
		// Validating phase, in upstream's order; quota charges last so a
		// refusal by any other plugin charges nothing.
		validators: []Validator{limits, accounts, NodeRestriction{}, security, priority, RBACEscalation{}, quota},
		quota:      quota,
	}, nil
}

// Release is called once an object is removed from storage: it gives back
// the quota usage the object held.
func (c *Chain) Release(ctx context.Context, gr schema.GroupResource, obj runtime.Object) {
	c.quota.Release(ctx, gr, obj)
}

// Mutate runs the mutating plugins in order.
func (c *Chain) Mutate(ctx context.Context, a *Attributes) error {
	for _, p := range c.mutators {
		if err := p.Mutate(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

// Validate runs the validating plugins in order. On success undo reverses
// their side effects; on failure they are already reversed.
func (c *Chain) Validate(ctx context.Context, a *Attributes) (func(), error) {
	var undos []func()
	undoAll := func() {
		for i := len(undos) - 1; i >= 0; i-- {
			undos[i]()
		}
	}
	for _, p := range c.validators {
		undo, err := p.Validate(ctx, a)
		if err != nil {
			undoAll()
			return func() {}, err
		}
		if undo != nil {
			undos = append(undos, undo)
		}
	}
	return undoAll, nil
}

func noop() {}

// forbidden is upstream's admission.NewForbidden: `<resource> "<name>" is
// forbidden: <err>`.
func forbidden(a *Attributes, err error) error {
	return apierrors.NewForbidden(a.Resource, a.Name, err)
}

// warningSink is the context key of the warning sink.
type warningSink struct{}

// WithWarnings returns a context whose admission warnings go to add (the
// API server turns them into Warning headers).
func WithWarnings(ctx context.Context, add func(msg string)) context.Context {
	return context.WithValue(ctx, warningSink{}, add)
}

// Warn sends msg to the context's warning sink, if any: the way the API
// server's own strategies warn too.
func Warn(ctx context.Context, msg string) { warn(ctx, msg) }

// warn sends msg to the context's sink, if any.
func warn(ctx context.Context, msg string) {
	if add, ok := ctx.Value(warningSink{}).(func(string)); ok {
		add(msg)
	}
}

var (
	podsGR        = schema.GroupResource{Resource: "pods"}
	namespacesGR  = schema.GroupResource{Resource: "namespaces"}
	limitRangesGR = schema.GroupResource{Resource: "limitranges"}
	quotasGR      = schema.GroupResource{Resource: "resourcequotas"}
	accountsGR    = schema.GroupResource{Resource: "serviceaccounts"}
	priorityGR    = schema.GroupResource{Group: "scheduling.k8s.io", Resource: "priorityclasses"}
	servicesGR    = schema.GroupResource{Resource: "services"}
	claimsGR      = schema.GroupResource{Resource: "persistentvolumeclaims"}
	configMapsGR  = schema.GroupResource{Resource: "configmaps"}
	secretsGR     = schema.GroupResource{Resource: "secrets"}
	controllersGR = schema.GroupResource{Resource: "replicationcontrollers"}
)

// isPodCreate reports a create of a pod itself (not a subresource).
func isPodCreate(a *Attributes) bool {
	return a.Operation == Create && a.Resource == podsGR && a.Subresource == ""
}
