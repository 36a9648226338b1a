package disruption

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	policylisters "k8s.io/client-go/listers/policy/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/skiff-dev/skiff/internal/controller"
)

// Config is what the disruption controller needs.
type Config struct {
	Client  kubernetes.Interface
	Factory informers.SharedInformerFactory
	// Workers defaults to 1.
	Workers int
	Now     func() time.Time
	Logger  *slog.Logger
}

// Controller is the disruption controller as the server runs it.
type Controller struct {
	*controller.Controller
	r *Reconciler
}

// Reconciler writes PodDisruptionBudget status.
type Reconciler struct {
	client   kubernetes.Interface
	pdbs     policylisters.PodDisruptionBudgetLister
	pdbIndex cache.Indexer // pdbs' indexer, for InNamespace
	pods     corelisters.PodLister
	rcs      corelisters.ReplicationControllerLister
	rsets    appslisters.ReplicaSetLister
	deploys  appslisters.DeploymentLister
	sets     appslisters.StatefulSetLister
	recorder record.EventRecorder
	now      func() time.Time
}

var _ controller.Reconciler = (*Reconciler)(nil)

// New registers the informers the controller reads and returns it.
func New(cfg Config) *Controller {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	f := cfg.Factory
	pdbInf, podInf := f.Policy().V1().PodDisruptionBudgets(), f.Core().V1().Pods()
	rcInf, rsInf := f.Core().V1().ReplicationControllers(), f.Apps().V1().ReplicaSets()
	depInf, stsInf := f.Apps().V1().Deployments(), f.Apps().V1().StatefulSets()
	r := &Reconciler{client: cfg.Client, pdbs: pdbInf.Lister(), pdbIndex: pdbInf.Informer().GetIndexer(), pods: podInf.Lister(), rcs: rcInf.Lister(),
		rsets: rsInf.Lister(), deploys: depInf.Lister(), sets: stsInf.Lister(), now: cfg.Now,
		recorder: record.NewFakeRecorder(0)}
	c := controller.New(controller.Config{Name: "disruption", Reconciler: r, Workers: cfg.Workers, Logger: cfg.Logger,
		Synced: []cache.InformerSynced{pdbInf.Informer().HasSynced, podInf.Informer().HasSynced, rcInf.Informer().HasSynced,
			rsInf.Informer().HasSynced, depInf.Informer().HasSynced, stsInf.Informer().HasSynced}})
	_, _ = controller.AddHandler(cfg.Factory, pdbInf.Informer(), c.Handler())
	_, _ = controller.AddHandler(cfg.Factory, podInf.Informer(), c.MapHandler(r.budgetsOfPod))
	for _, inf := range []cache.SharedIndexInformer{rcInf.Informer(), rsInf.Informer(), depInf.Informer(), stsInf.Informer()} {
		_, _ = controller.AddHandler(cfg.Factory, inf, c.MapHandler(r.budgetsInNamespace))
	}
	return &Controller{Controller: c, r: r}
}

// Run records events as upstream's "controllermanager" component while the
// controller runs.
func (c *Controller) Run(ctx context.Context) error {
	events := controller.NewEvents(c.r.client, "controllermanager")
	defer events.Shutdown()
	c.r.recorder = events
	return c.Controller.Run(ctx)
}

// budgetsOfPod maps a pod to the budgets whose selector matches it.
func (r *Reconciler) budgetsOfPod(obj metav1.Object) []controller.Request {
	var out []controller.Request
	for _, pdb := range controller.InNamespace[*policyv1.PodDisruptionBudget](r.pdbIndex, obj.GetNamespace()) {
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(obj.GetLabels())) {
			continue
		}
		out = append(out, controller.Request{Namespace: pdb.Namespace, Name: pdb.Name})
	}
	return out
}

// budgetsInNamespace maps a workload controller to every budget of its
// namespace: its replicas may be any budget's expected count.
func (r *Reconciler) budgetsInNamespace(obj metav1.Object) []controller.Request {
	pdbs := controller.InNamespace[*policyv1.PodDisruptionBudget](r.pdbIndex, obj.GetNamespace())
	out := make([]controller.Request, 0, len(pdbs))
	for _, pdb := range pdbs {
		out = append(out, controller.Request{Namespace: pdb.Namespace, Name: pdb.Name})
	}
	return out
}

// Reconcile writes the status of the budget req names.
func (r *Reconciler) Reconcile(ctx context.Context, req controller.Request) (controller.Result, error) {
	cached, err := r.pdbs.PodDisruptionBudgets(req.Namespace).Get(req.Name)
	if apierrors.IsNotFound(err) {
		return controller.Result{}, nil
	}
	if err != nil {
		return controller.Result{}, err
	}
	pdb := cached.DeepCopy()
	now := r.now()
	st, recheck, syncErr := r.sync(pdb, now)
	if syncErr != nil {
		st = failedStatus(pdb, syncErr, now)
	}
	if err := r.writeStatus(ctx, pdb, st); err != nil {
		return controller.Result{}, err
	}
	if syncErr != nil {
		return controller.Result{}, syncErr
	}
	if !recheck.IsZero() {
		return controller.Result{RequeueAfter: recheck.Sub(now) + time.Second}, nil
	}
	return controller.Result{}, nil
}

// sync computes the status of pdb and when to look at it again.
func (r *Reconciler) sync(pdb *policyv1.PodDisruptionBudget, now time.Time) (policyv1.PodDisruptionBudgetStatus, time.Time, error) {
	pods, err := r.podsOf(pdb)
	if err != nil {
		return policyv1.PodDisruptionBudgetStatus{}, time.Time{}, err
	}
	if len(pods) == 0 {
		r.recorder.Event(pdb, corev1.EventTypeNormal, "NoPods", "No matching pods found")
	}
	var unmanaged []string
	e, err := expect(pdb.Spec, len(pods), func() (int32, error) {
		n, um, err := r.expectedScale(pods)
		unmanaged = um
		return n, err
	})
	if err != nil {
		r.recorder.Eventf(pdb, corev1.EventTypeWarning, "CalculateExpectedPodCountFailed", "Failed to calculate the number of expected pods: %v", err)
		return policyv1.PodDisruptionBudgetStatus{}, time.Time{}, err
	}
	if len(unmanaged) > 0 {
		r.recorder.Eventf(pdb, corev1.EventTypeWarning, "UnmanagedPods", "Pods selected by this PodDisruptionBudget (selector: %v) were found "+
			"to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. "+
			"To account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value.", pdb.Spec.Selector)
	}
	disrupted, expired, recheck := keepDisrupted(pdb.Status.DisruptedPods, pods, now)
	for _, name := range expired {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: pdb.Namespace}}
		if p, err := r.pods.Pods(pdb.Namespace).Get(name); err == nil {
			pod = p
		}
		r.recorder.Eventf(pod, corev1.EventTypeWarning, "NotDeleted", "Pod was expected by PDB %s/%s to be deleted but it wasn't", pdb.Namespace, pdb.Name)
	}
	return computeStatus(pdb, countHealthy(pods, disrupted), e, disrupted, now), recheck, nil
}

// podsOf lists the pods the budget's selector matches.
func (r *Reconciler) podsOf(pdb *policyv1.PodDisruptionBudget) ([]*corev1.Pod, error) {
	sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
	if err != nil {
		return nil, err
	}
	if sel.Empty() {
		return nil, nil
	}
	return r.pods.Pods(pdb.Namespace).List(sel)
}

// expectedScale sums the replicas of the distinct controllers of pods; it
// also returns the pods that have no controller.
func (r *Reconciler) expectedScale(pods []*corev1.Pod) (int32, []string, error) {
	seen := map[types.UID]bool{}
	var total int32
	var unmanaged []string
	for _, p := range pods {
		ref := metav1.GetControllerOf(p)
		if ref == nil {
			unmanaged = append(unmanaged, p.Name)
			continue
		}
		if seen[ref.UID] {
			continue
		}
		uid, replicas, found, err := r.scaleOf(p.Namespace, ref)
		if err != nil {
			return 0, nil, err
		}
		if !found {
			return 0, nil, errNoController(p)
		}
		seen[ref.UID] = true
		if !seen[uid] {
			seen[uid] = true
			total += replicas
		}
	}
	return total, unmanaged, nil
}

// scaleOf finds the controller a pod's controller reference names and
// returns the UID and spec.replicas of the object that scales it: the
// Deployment for a ReplicaSet a Deployment controls.
func (r *Reconciler) scaleOf(ns string, ref *metav1.OwnerReference) (types.UID, int32, bool, error) {
	replicas := func(p *int32) int32 {
		if p == nil {
			return 1
		}
		return *p
	}
	var uid types.UID
	var n int32
	var err error
	switch {
	case ref.Kind == "ReplicationController" && ref.APIVersion == "v1":
		var rc *corev1.ReplicationController
		if rc, err = r.rcs.ReplicationControllers(ns).Get(ref.Name); err == nil {
			uid, n = rc.UID, replicas(rc.Spec.Replicas)
		}
	case ref.Kind == "ReplicaSet" && ref.APIVersion == appsv1.SchemeGroupVersion.String():
		var rs *appsv1.ReplicaSet
		if rs, err = r.rsets.ReplicaSets(ns).Get(ref.Name); err == nil && rs.UID == ref.UID {
			if dref := metav1.GetControllerOf(rs); dref != nil && dref.Kind == "Deployment" {
				return r.scaleOf(ns, dref)
			}
			uid, n = rs.UID, replicas(rs.Spec.Replicas)
		}
	case ref.Kind == "Deployment" && ref.APIVersion == appsv1.SchemeGroupVersion.String():
		var d *appsv1.Deployment
		if d, err = r.deploys.Deployments(ns).Get(ref.Name); err == nil {
			uid, n = d.UID, replicas(d.Spec.Replicas)
		}
	case ref.Kind == "StatefulSet" && ref.APIVersion == appsv1.SchemeGroupVersion.String():
		var s *appsv1.StatefulSet
		if s, err = r.sets.StatefulSets(ns).Get(ref.Name); err == nil {
			uid, n = s.UID, replicas(s.Spec.Replicas)
		}
	default:
		return "", 0, false, nil
	}
	if apierrors.IsNotFound(err) || (err == nil && uid != ref.UID) {
		return "", 0, false, nil
	}
	if err != nil {
		return "", 0, false, fmt.Errorf("get %s %s/%s: %w", ref.Kind, ns, ref.Name, err)
	}
	return uid, n, true, nil
}

// writeStatus updates the status when it differs from what pdb shows.
func (r *Reconciler) writeStatus(ctx context.Context, pdb *policyv1.PodDisruptionBudget, st policyv1.PodDisruptionBudgetStatus) error {
	if apiequality.Semantic.DeepEqual(pdb.Status, st) {
		return nil
	}
	pdb.Status = st
	_, err := r.client.PolicyV1().PodDisruptionBudgets(pdb.Namespace).UpdateStatus(ctx, pdb, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
