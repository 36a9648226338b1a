package podgc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/skiff-dev/skiff/internal/controller"
)

// Upstream's defaults.
const (
	DefaultThreshold  = 12500            // --terminated-pod-gc-threshold
	DefaultQuarantine = 40 * time.Second // quarantineTime
	defaultPeriod     = 20 * time.Second // gcCheckPeriod
	fieldManager      = "PodGC"
)

// Config is what the pod GC needs.
type Config struct {
	Client  kubernetes.Interface
	Factory informers.SharedInformerFactory
	// Threshold is how many terminated pods may exist; DefaultThreshold
	// when nil, and 0 disables collecting terminated pods.
	Threshold *int
	// Quarantine is how long a node must be missing before its pods go;
	// 40 s when zero.
	Quarantine time.Duration
	// Now is the clock; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
}

// GC is the pod garbage collector.
type GC struct {
	cfg       Config
	threshold int
	period    time.Duration
	pods      corelisters.PodLister
	nodes     corelisters.NodeLister
	synced    []cache.InformerSynced
	log       *slog.Logger
	missing   quarantine
}

// New registers the pod and node informers and returns the collector.
func New(cfg Config) (*GC, error) {
	if cfg.Client == nil || cfg.Factory == nil {
		return nil, errors.New("podgc: client and informer factory are required")
	}
	threshold := DefaultThreshold
	if cfg.Threshold != nil {
		threshold = *cfg.Threshold
	}
	if cfg.Quarantine < 0 {
		return nil, errors.New("podgc: quarantine must not be negative")
	}
	if cfg.Quarantine == 0 {
		cfg.Quarantine = DefaultQuarantine
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	pods, nodes := cfg.Factory.Core().V1().Pods(), cfg.Factory.Core().V1().Nodes()
	return &GC{
		cfg: cfg, threshold: threshold, period: min(defaultPeriod, cfg.Quarantine/4),
		pods: pods.Lister(), nodes: nodes.Lister(),
		synced: []cache.InformerSynced{pods.Informer().HasSynced, nodes.Informer().HasSynced},
		log:    cfg.Logger.With("controller", "pod-garbage-collector"), missing: quarantine{},
	}, nil
}

// Name is "pod-garbage-collector".
func (g *GC) Name() string { return "pod-garbage-collector" }

// Run collects every check period until ctx ends.
func (g *GC) Run(ctx context.Context) error {
	if !controller.WaitSynced(ctx, g.synced...) {
		return fmt.Errorf("podgc: caches did not sync: %w", ctx.Err())
	}
	t := time.NewTicker(g.period)
	defer t.Stop()
	for {
		if err := g.collect(ctx); err != nil && ctx.Err() == nil {
			g.log.Error("pod garbage collection", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// collect is one pass.
func (g *GC) collect(ctx context.Context) error {
	pods, err := g.pods.List(labels.Everything())
	if err != nil {
		return err
	}
	nodeList, err := g.nodes.List(labels.Everything())
	if err != nil {
		return err
	}
	nodes := make(map[string]*corev1.Node, len(nodeList))
	for _, n := range nodeList {
		nodes[n.Name] = n
	}
	var errs []error
	for _, p := range terminatedToDelete(pods, g.threshold) {
		errs = append(errs, g.delete(ctx, p, nil))
	}
	for _, name := range g.missing.update(pods, nodes, g.cfg.Now(), g.cfg.Quarantine) {
		errs = append(errs, g.collectOrphans(ctx, name, pods))
	}
	for _, p := range outOfServiceTerminating(pods, nodes) {
		errs = append(errs, g.delete(ctx, p, nil))
	}
	for _, p := range unscheduledTerminating(pods) {
		errs = append(errs, g.delete(ctx, p, nil))
	}
	return errors.Join(errs...)
}

// collectOrphans deletes the pods of a node once the API confirms it is
// gone.
func (g *GC) collectOrphans(ctx context.Context, node string, pods []*corev1.Pod) error {
	_, err := g.cfg.Client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
	if err == nil {
		delete(g.missing, node)
		return nil
	}
	if !apierrors.IsNotFound(err) {
		return err
	}
	cond := &corev1.PodCondition{
		Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(g.cfg.Now()),
		Reason: "DeletionByPodGC", Message: "PodGC: node no longer exists",
	}
	var errs []error
	for _, p := range pods {
		if p.Spec.NodeName == node {
			errs = append(errs, g.delete(ctx, p, cond))
		}
	}
	return errors.Join(errs...)
}

// delete marks a pod that has not finished Failed (with cond, if any) and
// force-deletes it, as upstream's markFailedAndDeletePodWithCondition.
func (g *GC) delete(ctx context.Context, p *corev1.Pod, cond *corev1.PodCondition) error {
	pods := g.cfg.Client.CoreV1().Pods(p.Namespace)
	if !terminated(p) {
		status := map[string]any{"phase": corev1.PodFailed}
		if cond != nil {
			status["conditions"] = []corev1.PodCondition{*cond}
		}
		body, err := json.Marshal(map[string]any{"status": status})
		if err != nil {
			return err
		}
		_, err = pods.Patch(ctx, p.Name, types.StrategicMergePatchType, body, metav1.PatchOptions{FieldManager: fieldManager}, "status")
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("mark pod %s/%s failed: %w", p.Namespace, p.Name, err)
		}
	}
	zero := int64(0)
	uid := p.UID
	err := pods.Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &uid}})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("delete pod %s/%s: %w", p.Namespace, p.Name, err)
	}
	g.log.Info("deleted pod", "pod", p.Namespace+"/"+p.Name, "node", p.Spec.NodeName)
	return nil
}
