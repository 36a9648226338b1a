package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"sync/atomic"

	v1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	"github.com/skiff-dev/skiff/internal/controller"
	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// Config is what New needs.
type Config struct {
	Client kubernetes.Interface
	// Configuration is the parsed scheduler configuration; nil means
	// upstream's defaults with one profile, default-scheduler.
	Configuration *Configuration
	// Parallelism is the number of filter workers (the configuration's
	// parallelism, upstream's 16, when zero).
	Parallelism int
	Clock       clock.WithTicker
	Logger      *slog.Logger
	// Informers, when set, is the process's shared informer factory: the
	// scheduler and its plugins' listers read it instead of a factory of
	// their own. The scheduler calls its Start (for informers it asked
	// for) but never its Shutdown, and removes the event handlers it
	// added when Run returns, so a later term (leader election) can use
	// it again. Its owner keeps it running: Start must not tie informers
	// to the scheduler's stop channel (start them first, or make Start
	// use the owner's), and it should drop managedFields, as the
	// scheduler's own factory does. New (and so NewElector) asks the
	// factory for every informer the scheduler and its plugins need, so
	// an owner that starts it after them starts those too.
	Informers informers.SharedInformerFactory
	// Metrics, when set, records the scheduler's Prometheus metrics; it
	// may outlive this Scheduler (one per leader term).
	Metrics *Metrics
}

func (c *Config) validate() error {
	if c.Client == nil {
		return fmt.Errorf("scheduler: no client")
	}
	if c.Configuration == nil {
		cfg := &Configuration{APIVersion: "kubescheduler.config.k8s.io/v1", Kind: "KubeSchedulerConfiguration"}
		if err := cfg.validate(NewRegistry()); err != nil {
			return err
		}
		c.Configuration = cfg
	}
	if c.Parallelism == 0 {
		c.Parallelism = int(c.Configuration.Parallelism)
	}
	if c.Parallelism <= 0 {
		c.Parallelism = DefaultParallelism
	}
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// Scheduler places pending pods on nodes: it pops a pod from the queue,
// runs its profile's plugins over a snapshot of the cache, assumes the pod
// on the chosen node and binds it through pods/binding in the background.
type Scheduler struct {
	cfg      Config
	client   kubernetes.Interface
	queue    *Queue
	cache    *Cache
	snapshot *Snapshot
	profiles map[string]*Profile
	recorder record.EventRecorder
	// informers feed the cache and the plugins' listers; shared is set
	// when Config.Informers gave them (Run then never shuts them down).
	informers informers.SharedInformerFactory
	shared    bool
	// pods lists the informer's pods (gone); the factory makes a new
	// lister on each call.
	pods  corelisters.PodLister
	log   *slog.Logger
	binds sync.WaitGroup
	// nominator holds the pods preemption nominated to nodes.
	nominator *nominator
	// percentages is each profile's percentageOfNodesToScore (0: adaptive).
	percentages map[string]int32
	// nextStartNode is where the next cycle starts filtering (only the
	// scheduling goroutine touches it).
	nextStartNode int
	// filterStatuses and filterTried are findFeasible's per-node buffers,
	// and feasibleBuf backs the nodes it returns, reused across cycles
	// (only the scheduling goroutine touches them; no plugin keeps the
	// feasible list past the cycle).
	filterStatuses []*framework.Status
	filterTried    []bool
	feasibleBuf    []*framework.NodeInfo
	scheduled      atomic.Int64
	// volumeEvents are the volume resources (PersistentVolume, ...) some
	// enabled plugin registered events for; only their informers start.
	volumeEvents map[string]bool
	// watched are the informers Run adds event handlers to.
	watched []watch
}

// handle is what one profile's plugins see of the scheduler.
type handle struct {
	s    *Scheduler
	prof *Profile
}

func (h handle) SnapshotSharedLister() framework.NodeInfoLister { return h.s.snapshot }

func (h handle) SharedInformerFactory() informers.SharedInformerFactory { return h.s.informers }

func (h handle) ClientSet() kubernetes.Interface { return h.s.client }

// New builds a scheduler; it does nothing until Run.
func New(cfg Config) (*Scheduler, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Scheduler{cfg: cfg, client: cfg.Client, cache: NewCache(), snapshot: NewSnapshot(), profiles: map[string]*Profile{}, log: cfg.Logger,
		informers: cfg.Informers, shared: cfg.Informers != nil, nominator: newNominator(), percentages: map[string]int32{}}
	if !s.shared {
		// managedFields are dropped from cached objects, as upstream does.
		s.informers = informers.NewSharedInformerFactoryWithOptions(cfg.Client, 0, informers.WithTransform(controller.NewCacheTransform()))
	}
	s.pods = s.informers.Core().V1().Pods().Lister()
	reg := NewRegistry()
	events := map[string][]framework.ClusterEvent{noNodes: {{Resource: framework.Node, ActionType: framework.Add}}}
	var less func(a, b *framework.QueuedPodInfo) bool
	for _, p := range cfg.Configuration.Profiles {
		h := &handle{s: s}
		prof, err := NewProfile(p, reg, h)
		if err != nil {
			return nil, fmt.Errorf("profile %s: %w", p.SchedulerName, err)
		}
		h.prof = prof
		prof.metrics = cfg.Metrics
		s.percentages[p.SchedulerName] = percentageFor(cfg.Configuration, p)
		s.profiles[p.SchedulerName] = prof
		for k, v := range prof.events {
			events[k] = v
		}
		if less == nil {
			less = prof.queueSort.Less
		}
	}
	initial, maximum := cfg.Configuration.Backoff()
	s.queue = NewQueue(less, events, cfg.Clock, WithBackoff(initial, maximum))
	s.volumeEvents = volumeResources(events)
	s.watched = s.watches()
	return s, nil
}

// percentageFor is the profile's percentageOfNodesToScore, else the
// global one, else 0 (adaptive).
func percentageFor(c *Configuration, p KubeSchedulerProfile) int32 {
	switch {
	case p.PercentageOfNodesToScore != nil:
		return *p.PercentageOfNodesToScore
	case c.PercentageOfNodesToScore != nil:
		return *c.PercentageOfNodesToScore
	}
	return 0
}

// Scheduled is how many pods this scheduler has bound.
func (s *Scheduler) Scheduled() int64 { return s.scheduled.Load() }

// Queue is the scheduling queue (for tests and metrics).
func (s *Scheduler) Queue() *Queue { return s.queue }

// Run watches nodes and pods, schedules until ctx ends, then waits for
// bindings in flight.
func (s *Scheduler) Run(ctx context.Context) error {
	broadcaster := record.NewBroadcaster(record.WithContext(ctx))
	defer broadcaster.Shutdown()
	broadcaster.StartRecordingToSink(&eventSink{s.client})
	s.recorder = broadcaster.NewRecorder(clientScheme(), v1.EventSource{Component: DefaultSchedulerName})

	regs, err := s.addHandlers()
	if s.shared {
		defer s.removeHandlers(regs)
	}
	if err != nil {
		return err
	}
	s.informers.StartWithContext(ctx)
	if !s.shared {
		defer s.informers.Shutdown()
	}
	synced := make([]cache.DoneChecker, 0, len(regs))
	for _, r := range regs {
		synced = append(synced, r.reg.HasSyncedChecker())
	}
	if !cache.WaitFor(ctx, "", synced...) {
		return ctx.Err()
	}
	s.informers.WaitForCacheSync(ctx.Done()) // the plugins' listers
	s.cfg.Metrics.setQueue(s.queue)
	defer s.cfg.Metrics.clearQueue(s.queue)
	go s.queue.Run(ctx)
	for ctx.Err() == nil {
		s.scheduleOne(ctx)
	}
	s.binds.Wait()
	return nil
}

func (s *Scheduler) nodeHandler() cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			s.cache.AddNode(obj.(*v1.Node))
			s.queue.MoveOnEvent(framework.ClusterEvent{Resource: framework.Node, ActionType: framework.Add})
		},
		UpdateFunc: func(oldObj, newObj any) {
			old, n := oldObj.(*v1.Node), newObj.(*v1.Node)
			s.cache.AddNode(n)
			if a := nodeChange(old, n); a != 0 {
				s.queue.MoveOnEvent(framework.ClusterEvent{Resource: framework.Node, ActionType: a})
			}
		},
		DeleteFunc: func(obj any) {
			if n, ok := tombstone(obj).(*v1.Node); ok {
				s.cache.RemoveNode(n)
			}
		},
	}
}

// nodeChange says which scheduling-relevant parts of a node changed.
func nodeChange(old, n *v1.Node) framework.ActionType {
	var a framework.ActionType
	if !reflect.DeepEqual(old.Status.Allocatable, n.Status.Allocatable) {
		a |= framework.UpdateNodeAllocatable
	}
	if !reflect.DeepEqual(old.Labels, n.Labels) {
		a |= framework.UpdateNodeLabel
	}
	if !reflect.DeepEqual(old.Spec.Taints, n.Spec.Taints) || old.Spec.Unschedulable != n.Spec.Unschedulable {
		a |= framework.UpdateNodeTaint
	}
	if !reflect.DeepEqual(old.Status.Conditions, n.Status.Conditions) {
		a |= framework.UpdateNodeCondition
	}
	return a
}

func (s *Scheduler) podHandler() cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { s.podChanged(nil, obj.(*v1.Pod)) },
		UpdateFunc: func(oldObj, newObj any) {
			s.podChanged(oldObj.(*v1.Pod), newObj.(*v1.Pod))
		},
		DeleteFunc: func(obj any) {
			pod, ok := tombstone(obj).(*v1.Pod)
			if !ok {
				return
			}
			if pod.Spec.NodeName == "" {
				s.queue.Delete(pod)
				s.nominator.delete(pod)
				return
			}
			s.cache.RemovePod(pod)
			s.queue.MoveOnEvent(framework.ClusterEvent{Resource: framework.AssignedPod, ActionType: framework.Delete})
		},
	}
}

// sameSpec reports whether two versions of a pod have one spec. The API
// server raises a pod's metadata.generation on every change to its spec
// but the binding's (upstream since 1.33), so an unbound pod's equal
// generations say so without a walk of both specs; a pod without one
// (0) is compared field by field, through pointers: as values, both
// specs would be copied to the heap to make the interfaces.
func sameSpec(old, pod *v1.Pod) bool {
	if old.Generation != 0 && old.Generation == pod.Generation && old.Spec.NodeName == pod.Spec.NodeName {
		return true
	}
	return reflect.DeepEqual(&old.Spec, &pod.Spec)
}

// podChanged routes a pod: assigned, live pods go to the cache; pending
// pods of our profiles go to the queue once they have no scheduling
// gates.
func (s *Scheduler) podChanged(old, pod *v1.Pod) {
	terminal := pod.Status.Phase == v1.PodSucceeded || pod.Status.Phase == v1.PodFailed
	if pod.Spec.NodeName != "" {
		if old != nil && old.Spec.NodeName == "" {
			s.queue.Delete(pod)
		}
		s.nominator.delete(pod)
		if terminal {
			s.cache.RemovePod(pod)
			s.queue.MoveOnEvent(framework.ClusterEvent{Resource: framework.AssignedPod, ActionType: framework.Delete})
			return
		}
		s.cache.AddPod(pod)
		return
	}
	if _, ok := s.profiles[pod.Spec.SchedulerName]; !ok || terminal || pod.DeletionTimestamp != nil {
		s.nominator.delete(pod)
		return
	}
	if len(pod.Spec.SchedulingGates) > 0 {
		// Gated (upstream's SchedulingGates PreEnqueue plugin): not
		// queued until an update removes the last gate (gates can only
		// be removed), only counted.
		s.queue.AddGated(pod)
		return
	}
	s.nominator.update(old, pod)
	if old == nil || len(old.Spec.SchedulingGates) > 0 {
		s.queue.Add(pod)
		return
	}
	lostNomination := old.Status.NominatedNodeName != "" && pod.Status.NominatedNodeName == ""
	if !lostNomination && sameSpec(old, pod) && reflect.DeepEqual(old.Labels, pod.Labels) && reflect.DeepEqual(old.Annotations, pod.Annotations) {
		// A status-only update (ours, for instance) cannot help; the
		// queue keeps the new version only, as upstream's does.
		s.queue.Refresh(pod)
		return
	}
	s.queue.Update(pod)
}

func tombstone(obj any) any {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		return t.Obj
	}
	return obj
}
