package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// noNodes stands for the rejecting plugin when the cluster has no nodes:
// only a node being added can help.
const noNodes = "<no nodes>"

// ErrNoNodesAvailable is the message when the cluster has no nodes.
const ErrNoNodesAvailable = "no nodes available to schedule pods"

// FitError is the outcome of a cycle where no node fits.
type FitError struct {
	NumAllNodes int
	Statuses    framework.NodeToStatus
	// PreFilterMsg is the message of a PreFilter rejection (which
	// applies to every node), if one ended the cycle.
	PreFilterMsg string
	// PostFilterMsg is the preemption explanation, if any.
	PostFilterMsg string
	// NominatedNode is where preemption made room for the pod.
	NominatedNode string
}

// Error is upstream's message: "0/N nodes are available: " and either the
// PreFilter rejection's message once ("0/5 nodes are available: pod has
// unbound immediate PersistentVolumeClaims.") or the histogram of the
// filters' reasons ("... 5 node(s) didn't match Pod's node
// affinity/selector."), then the preemption part.
func (e *FitError) Error() string {
	msg := framework.FitMessage(e.NumAllNodes, e.Statuses)
	if e.PreFilterMsg != "" {
		msg = fmt.Sprintf(framework.NoNodeAvailableMsg+": %s.", e.NumAllNodes, e.PreFilterMsg)
	}
	if e.NumAllNodes == 0 {
		msg = ErrNoNodesAvailable
	}
	if e.PostFilterMsg != "" {
		msg += " " + e.PostFilterMsg
	}
	return msg
}

// scheduleOne runs one scheduling cycle: pop, filter, score, assume, and
// hand the binding to a goroutine.
func (s *Scheduler) scheduleOne(ctx context.Context) {
	info, err := s.queue.Pop(ctx)
	if err != nil || info == nil {
		return
	}
	cycle := s.queue.Cycle()
	pod := info.Pod
	prof := s.profiles[pod.Spec.SchedulerName]
	if prof == nil || pod.DeletionTimestamp != nil || s.cache.IsAssumed(pod) {
		return
	}
	start := s.cfg.Clock.Now()
	s.cache.UpdateSnapshot(s.snapshot)
	state := framework.NewCycleState()
	host, err := s.schedulePod(ctx, prof, state, pod)
	if err != nil {
		s.failAttempt(ctx, prof, info, cycle, start, err)
		return
	}
	assumed := pod.DeepCopy()
	assumed.Spec.NodeName = host
	if err := s.cache.AssumePod(assumed); err != nil {
		s.failAttempt(ctx, prof, info, cycle, start, err)
		return
	}
	if st := prof.RunReserve(ctx, state, assumed, host); !st.IsSuccess() {
		prof.RunUnreserve(ctx, state, assumed, host)
		s.cache.ForgetPod(assumed)
		s.failAttempt(ctx, prof, info, cycle, start, statusError(host, st))
		return
	}
	s.nominator.delete(pod)
	s.binds.Add(1)
	go func() {
		defer s.binds.Done()
		s.bindingCycle(ctx, prof, state, info, cycle, start, assumed)
	}()
}

// failAttempt counts a failed attempt of prof begun at start
// (unschedulable for a *FitError, else error) and fails it.
func (s *Scheduler) failAttempt(ctx context.Context, prof *Profile, info *framework.QueuedPodInfo, cycle int64, start time.Time, err error) {
	result := resultError
	if _, ok := err.(*FitError); ok {
		result = resultUnschedulable
	}
	s.cfg.Metrics.attempt(prof.Name, result, start, s.cfg.Clock.Now())
	s.fail(ctx, info, cycle, err)
}

// statusError is a failed Reserve or PreBind status as the cycle's error:
// a rejection is a *FitError over the one node, as upstream.
func statusError(node string, st *framework.Status) error {
	if st.IsRejected() {
		return &FitError{NumAllNodes: 1, Statuses: framework.NodeToStatus{node: st}}
	}
	return st.AsError()
}

// schedulePod picks a node for pod or returns a *FitError (or another
// error for internal failures).
func (s *Scheduler) schedulePod(ctx context.Context, prof *Profile, state *framework.CycleState, pod *v1.Pod) (string, error) {
	nodes := s.snapshot.List()
	if len(nodes) == 0 {
		return "", &FitError{}
	}
	var feasible []*framework.NodeInfo
	var preFilterMsg string
	statuses := framework.NodeToStatus{}
	if st := prof.RunPreFilter(ctx, state, pod); st.IsRejected() {
		// Every node gets the status (preemption reads them); the
		// message names the rejection once, as upstream.
		for _, n := range nodes {
			statuses[n.Node().Name] = st
		}
		preFilterMsg = st.Message()
	} else if err := st.AsError(); err != nil {
		return "", err
	} else if n := s.evaluateNominatedNode(ctx, prof, state, pod); n != nil {
		return n.Node().Name, nil
	} else {
		feasible, statuses = s.findFeasible(ctx, prof, state, pod, nodes)
	}
	for _, st := range statuses {
		if err := st.AsError(); err != nil {
			return "", err
		}
	}
	if len(feasible) == 0 {
		fe := &FitError{NumAllNodes: len(nodes), Statuses: statuses, PreFilterMsg: preFilterMsg}
		node, st := prof.RunPostFilter(ctx, state, pod, statuses)
		if err := st.AsError(); err != nil {
			return "", err
		}
		fe.PostFilterMsg, fe.NominatedNode = st.Message(), node
		return "", fe
	}
	if len(feasible) == 1 {
		return feasible[0].Node().Name, nil
	}
	scores, st := prof.Score(ctx, state, pod, feasible, s.cfg.Parallelism)
	if !st.IsSuccess() {
		return "", st.AsError()
	}
	return selectHost(feasible, scores), nil
}

// selectHost takes the best score, breaking ties uniformly at random
// (reservoir sampling), as upstream.
func selectHost(nodes []*framework.NodeInfo, scores []int64) string {
	best, seen := 0, 1
	for i := 1; i < len(nodes); i++ {
		switch {
		case scores[i] > scores[best]:
			best, seen = i, 1
		case scores[i] == scores[best]:
			seen++
			if rand.IntN(seen) == 0 {
				best = i
			}
		}
	}
	return nodes[best].Node().Name
}

// bindingCycle runs off the scheduling loop: PreBind, then the binding.
// On failure every Unreserve runs, the assumed pod is forgotten (pods
// waiting for the room it took are moved) and the pod is retried with
// backoff.
func (s *Scheduler) bindingCycle(ctx context.Context, prof *Profile, state *framework.CycleState, info *framework.QueuedPodInfo, cycle int64, start time.Time, assumed *v1.Pod) {
	host := assumed.Spec.NodeName
	if st := prof.RunPreBind(ctx, state, assumed, host); !st.IsSuccess() {
		s.bindFailed(ctx, prof, state, info, cycle, start, assumed, statusError(host, st))
		return
	}
	b := &v1.Binding{
		ObjectMeta: metav1.ObjectMeta{Namespace: assumed.Namespace, Name: assumed.Name, UID: assumed.UID},
		Target:     v1.ObjectReference{Kind: "Node", Name: host},
	}
	bindStart := time.Now()
	err := s.client.CoreV1().Pods(assumed.Namespace).Bind(ctx, b, metav1.CreateOptions{})
	s.cfg.Metrics.extensionPoint("Bind", prof.Name, framework.AsStatus(err), bindStart)
	if err != nil {
		s.bindFailed(ctx, prof, state, info, cycle, start, assumed, fmt.Errorf("binding rejected: %w", err))
		return
	}
	now := s.cfg.Clock.Now()
	s.cfg.Metrics.attempt(prof.Name, resultScheduled, start, now)
	s.cfg.Metrics.bound(info, now)
	s.scheduled.Add(1)
	s.recorder.Eventf(assumed, v1.EventTypeNormal, "Scheduled", "Successfully assigned %s/%s to %s", assumed.Namespace, assumed.Name, host)
	if nom := assumed.Status.NominatedNodeName; nom != "" && nom != host {
		// Bound elsewhere: the nomination no longer holds.
		if err := patchNominatedNode(ctx, s.client, assumed, ""); err != nil && ctx.Err() == nil && !apierrors.IsNotFound(err) {
			s.log.Warn("clear nominatedNodeName", "pod", assumed.Namespace+"/"+assumed.Name, "err", err)
		}
	}
}

// bindFailed undoes an assumed pod whose binding cycle failed.
func (s *Scheduler) bindFailed(ctx context.Context, prof *Profile, state *framework.CycleState, info *framework.QueuedPodInfo, cycle int64, start time.Time, assumed *v1.Pod, err error) {
	prof.RunUnreserve(ctx, state, assumed, assumed.Spec.NodeName)
	s.cache.ForgetPod(assumed)
	s.queue.MoveOnEvent(framework.ClusterEvent{Resource: framework.AssignedPod, ActionType: framework.Delete})
	if ctx.Err() != nil || s.gone(info.Pod) {
		return
	}
	s.log.Warn("binding cycle", "pod", assumed.Namespace+"/"+assumed.Name, "node", assumed.Spec.NodeName, "err", err)
	s.failAttempt(ctx, prof, info, cycle, start, err)
}

// gone reports whether the informer no longer holds pod as a pending pod
// (deleted, replaced by another of the same name, or bound since): a
// failed attempt is then not retried. As upstream, the informer decides,
// not the error of the failed call.
func (s *Scheduler) gone(pod *v1.Pod) bool {
	cur, err := s.pods.Pods(pod.Namespace).Get(pod.Name)
	return err != nil || cur.UID != pod.UID || cur.Spec.NodeName != ""
}

// noNodesPlugins is the UnschedulablePlugins of every pod that failed for
// want of any node. It is shared, so never written: with no nodes, each
// pending pod would otherwise hold a map of its own.
var noNodesPlugins = map[string]bool{noNodes: true}

// fail records a failed attempt: a FailedScheduling event, the
// PodScheduled=False condition, and the pod back in the queue.
func (s *Scheduler) fail(ctx context.Context, info *framework.QueuedPodInfo, cycle int64, err error) {
	pod := info.Pod
	reason := v1.PodReasonUnschedulable
	var nominated *string
	if fe, ok := err.(*FitError); ok {
		if fe.NominatedNode != "" {
			nominated = &fe.NominatedNode
			s.nominator.add(pod, fe.NominatedNode)
		}
		if fe.NumAllNodes == 0 {
			info.UnschedulablePlugins = noNodesPlugins
		} else {
			info.UnschedulablePlugins = make(map[string]bool, len(fe.Statuses))
			for _, st := range fe.Statuses {
				info.UnschedulablePlugins[st.Plugin()] = true
			}
		}
	} else {
		reason = v1.PodReasonSchedulerError
		info.UnschedulablePlugins = nil
	}
	if !s.gone(pod) {
		s.queue.AddUnschedulable(info, cycle)
	}
	msg := err.Error()
	s.recorder.Event(pod, v1.EventTypeWarning, "FailedScheduling", msg)
	if err := updateCondition(ctx, s.client, pod, reason, msg, nominated); err != nil && ctx.Err() == nil {
		s.log.Warn("set PodScheduled condition", "pod", pod.Namespace+"/"+pod.Name, "err", err)
	}
}

// updateCondition patches PodScheduled=False with reason and message
// (strategic merge on the conditions list, keyed by type) and, when
// nominated is not nil, status.nominatedNodeName.
func updateCondition(ctx context.Context, c kubernetes.Interface, pod *v1.Pod, reason, msg string, nominated *string) error {
	for _, cond := range pod.Status.Conditions {
		if cond.Type == v1.PodScheduled && cond.Status == v1.ConditionFalse && cond.Reason == reason && cond.Message == msg &&
			(nominated == nil || *nominated == pod.Status.NominatedNodeName) {
			return nil
		}
	}
	status := map[string]any{"conditions": []v1.PodCondition{{
		Type: v1.PodScheduled, Status: v1.ConditionFalse, Reason: reason, Message: msg,
		LastTransitionTime: metav1.NewTime(time.Now()),
	}}}
	if nominated != nil {
		status["nominatedNodeName"] = *nominated
	}
	patch, err := json.Marshal(map[string]any{"status": status})
	if err != nil {
		return err
	}
	return patchStatus(ctx, c, pod, patch)
}

// patchNominatedNode sets (or, with "", clears) status.nominatedNodeName.
func patchNominatedNode(ctx context.Context, c kubernetes.Interface, pod *v1.Pod, node string) error {
	var v any = node
	if node == "" {
		v = nil
	}
	patch, err := json.Marshal(map[string]any{"status": map[string]any{"nominatedNodeName": v}})
	if err != nil {
		return err
	}
	return patchStatus(ctx, c, pod, patch)
}

// patchStatus sends a strategic merge patch to pod's status subresource.
// The scheduler has no use for the pod the server answers with (its
// informer brings the change), so over a REST client the answer is
// drained (sendDrained): the same request as the typed client's Patch,
// without a copy of a whole pod for each pod it cannot place. Other
// clients (the fake clientset of tests) get the typed call.
func patchStatus(ctx context.Context, c kubernetes.Interface, pod *v1.Pod, patch []byte) error {
	if rc, ok := c.CoreV1().RESTClient().(*rest.RESTClient); ok && rc != nil {
		return sendDrained(ctx, rc.Patch(types.StrategicMergePatchType).Namespace(pod.Namespace).Resource("pods").Name(pod.Name).
			SubResource("status").VersionedParams(&metav1.PatchOptions{}, metav1.ParameterCodec).Body(patch))
	}
	_, err := c.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status")
	return err
}

// sendDrained sends req and reads its answer to the end without keeping
// it, where Do would read it whole into a buffer grown from 512 bytes. A
// failure's Status is read as Do reads it (Stream's errors are Do's).
func sendDrained(ctx context.Context, req *rest.Request) error {
	body, err := req.Stream(ctx)
	if err != nil {
		return err
	}
	defer body.Close()
	_, err = io.Copy(io.Discard, body)
	return err
}

// eventSink writes events: created through the REST client when there
// is one (Create), updated and patched through the typed client.
type eventSink struct{ c kubernetes.Interface }

// Create writes ev. Over a REST client the answer is drained
// (sendDrained) and ev itself is returned: the recorder keeps what it
// gets only to count repeats of the event by name, which the answer adds
// nothing to. Other clients get the typed call.
func (e *eventSink) Create(ev *v1.Event) (*v1.Event, error) {
	ctx := context.Background()
	if rc, ok := e.c.CoreV1().RESTClient().(*rest.RESTClient); ok && rc != nil {
		err := sendDrained(ctx, rc.Post().Namespace(ev.Namespace).Resource("events").
			VersionedParams(&metav1.CreateOptions{}, metav1.ParameterCodec).Body(ev))
		if err != nil {
			return nil, err
		}
		return ev, nil
	}
	return e.c.CoreV1().Events(ev.Namespace).Create(ctx, ev, metav1.CreateOptions{})
}

func (e *eventSink) Update(ev *v1.Event) (*v1.Event, error) {
	return e.c.CoreV1().Events(ev.Namespace).Update(context.Background(), ev, metav1.UpdateOptions{})
}

func (e *eventSink) Patch(ev *v1.Event, data []byte) (*v1.Event, error) {
	return e.c.CoreV1().Events(ev.Namespace).Patch(context.Background(), ev.Name, types.StrategicMergePatchType, data, metav1.PatchOptions{})
}

func clientScheme() *runtime.Scheme { return scheme.Scheme }
