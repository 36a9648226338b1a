// Package volumebinding owns VolumeBinding for statically provisioned
// persistent volumes. PreFilter sorts the pod's claims into bound ones and
// unbound WaitForFirstConsumer ones (an unbound claim of an Immediate
// class keeps the pod pending until the PersistentVolume controller binds
// it). Filter admits a node when every bound volume's required node
// affinity admits it and, for each unbound claim, a distinct available
// volume of its class matches it there (size, access modes, volume mode,
// selector, node affinity), leaving out volumes assumed for other claims.
// Reserve picks those volumes on the chosen node and assumes them;
// PreBind writes each volume's claimRef and waits (bindTimeoutSeconds,
// 600 by default) until the PersistentVolume controller
// (internal/controller/persistentvolume) has bound the claims; Unreserve
// drops the assumptions. There is no provisioning: a claim no volume
// matches leaves the pod unschedulable, and the claim is never given the
// volume.kubernetes.io/selected-node annotation.
package volumebinding

import (
	"context"
	"fmt"
	"time"

	v1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// Name and the rejection reasons, as upstream.
const (
	Name = "VolumeBinding"
	// ErrReasonBindConflict: no available volume fits an unbound claim.
	ErrReasonBindConflict = "node(s) didn't find available persistent volumes to bind"
	// ErrReasonNodeConflict: a bound volume's node affinity excludes the node.
	ErrReasonNodeConflict = "node(s) had volume node affinity conflict"
	// ErrReasonPVNotExist: a claim is bound to a volume that does not exist.
	ErrReasonPVNotExist = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
	// ErrReasonUnboundImmediate: a claim of an Immediate class is unbound.
	ErrReasonUnboundImmediate = "pod has unbound immediate PersistentVolumeClaims"
)

// betaStorageClassAnnotation names a claim's class in old manifests.
const betaStorageClassAnnotation = "volume.beta.kubernetes.io/storage-class"

// VolumeBinding is the plugin.
type VolumeBinding struct {
	claims      corelisters.PersistentVolumeClaimLister
	volumes     corelisters.PersistentVolumeLister
	classes     storagelisters.StorageClassLister
	nodes       framework.NodeInfoLister
	client      kubernetes.Interface
	assumed     *assumed
	bindTimeout time.Duration
}

var (
	_ framework.PreFilterPlugin   = &VolumeBinding{}
	_ framework.FilterPlugin      = &VolumeBinding{}
	_ framework.EnqueueExtensions = &VolumeBinding{}
	_ framework.ReservePlugin     = &VolumeBinding{}
	_ framework.PreBindPlugin     = &VolumeBinding{}
)

// New returns the plugin; args are its *Args, or nil for the defaults.
func New(args framework.PluginArgs, h framework.Handle) (framework.Plugin, error) {
	a, _ := args.(*Args)
	if a == nil {
		a = &Args{}
		a.Default()
	}
	f := h.SharedInformerFactory()
	return &VolumeBinding{
		claims:      f.Core().V1().PersistentVolumeClaims().Lister(),
		volumes:     f.Core().V1().PersistentVolumes().Lister(),
		classes:     f.Storage().V1().StorageClasses().Lister(),
		nodes:       h.SnapshotSharedLister(),
		client:      h.ClientSet(),
		assumed:     newAssumed(),
		bindTimeout: time.Duration(*a.BindTimeoutSeconds) * time.Second,
	}, nil
}

// Name returns Name.
func (*VolumeBinding) Name() string { return Name }

// EventsToRegister: new or relabelled nodes, and volumes, claims and
// storage classes added or updated (a volume appearing or a claim getting
// bound may make a waiting pod schedulable), as upstream.
func (*VolumeBinding) EventsToRegister() []framework.ClusterEvent {
	return []framework.ClusterEvent{
		{Resource: framework.Node, ActionType: framework.Add | framework.UpdateNodeLabel},
		{Resource: framework.PersistentVolume, ActionType: framework.Add | framework.Update},
		{Resource: framework.PersistentVolumeClaim, ActionType: framework.Add | framework.Update},
		{Resource: framework.StorageClass, ActionType: framework.Add | framework.Update},
	}
}

const preFilterKey = framework.StateKey("PreFilter" + Name)

// preFilterState is the pod's bound volumes' names and its claims waiting
// for the first consumer.
type preFilterState struct {
	boundVolumes []string
	toBind       []*v1.PersistentVolumeClaim
}

func (s *preFilterState) Clone() framework.StateData { return s }

// PreFilter sorts the pod's claims into bound ones and ones waiting for
// the first consumer; it rejects the pod for a missing or deleted claim
// or an unbound Immediate one, and skips pods without claims.
func (pl *VolumeBinding) PreFilter(_ context.Context, state *framework.CycleState, pod *v1.Pod) *framework.Status {
	names := claimNames(pod)
	if len(names) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	s := &preFilterState{}
	for _, name := range names {
		pvc, err := pl.claims.PersistentVolumeClaims(pod.Namespace).Get(name)
		if apierrors.IsNotFound(err) {
			return framework.NewStatus(framework.UnschedulableAndUnresolvable, fmt.Sprintf("persistentvolumeclaim %q not found", name))
		}
		if err != nil {
			return framework.AsStatus(err)
		}
		if pvc.DeletionTimestamp != nil {
			return framework.NewStatus(framework.UnschedulableAndUnresolvable, fmt.Sprintf("persistentvolumeclaim %q is being deleted", name))
		}
		if pvc.Spec.VolumeName != "" {
			s.boundVolumes = append(s.boundVolumes, pvc.Spec.VolumeName)
			continue
		}
		wait, st := pl.waitsForConsumer(pvc)
		if st != nil {
			return st
		}
		if !wait {
			return framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonUnboundImmediate)
		}
		s.toBind = append(s.toBind, pvc)
	}
	state.Write(preFilterKey, s)
	return nil
}

// claimNames lists the claims the pod's volumes use (generic ephemeral
// volumes name theirs <pod>-<volume>).
func claimNames(pod *v1.Pod) []string {
	var out []string
	for _, v := range pod.Spec.Volumes {
		switch {
		case v.PersistentVolumeClaim != nil:
			out = append(out, v.PersistentVolumeClaim.ClaimName)
		case v.Ephemeral != nil:
			out = append(out, pod.Name+"-"+v.Name)
		}
	}
	return out
}

func claimClass(pvc *v1.PersistentVolumeClaim) string {
	if c, ok := pvc.Annotations[betaStorageClassAnnotation]; ok {
		return c
	}
	if pvc.Spec.StorageClassName != nil {
		return *pvc.Spec.StorageClassName
	}
	return ""
}

// waitsForConsumer reports whether pvc's class binds WaitForFirstConsumer.
func (pl *VolumeBinding) waitsForConsumer(pvc *v1.PersistentVolumeClaim) (bool, *framework.Status) {
	name := claimClass(pvc)
	if name == "" {
		return false, nil
	}
	class, err := pl.classes.Get(name)
	if apierrors.IsNotFound(err) {
		return false, framework.NewStatus(framework.UnschedulableAndUnresolvable, fmt.Sprintf("storageclass.storage.k8s.io %q not found", name))
	}
	if err != nil {
		return false, framework.AsStatus(err)
	}
	return class.VolumeBindingMode != nil && *class.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer, nil
}

// Filter checks the bound volumes' node affinity and finds, for each
// claim waiting for its consumer, a distinct available volume that fits
// it on this node.
func (pl *VolumeBinding) Filter(_ context.Context, state *framework.CycleState, pod *v1.Pod, n *framework.NodeInfo) *framework.Status {
	d, err := state.Read(preFilterKey)
	if err != nil {
		return framework.AsStatus(err)
	}
	s := d.(*preFilterState)
	node := n.Node()
	var reasons []string
	for _, name := range s.boundVolumes {
		pv, err := pl.volumes.Get(name)
		if err != nil {
			return framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonPVNotExist)
		}
		if !VolumeFitsNode(pv, node) {
			reasons = append(reasons, ErrReasonNodeConflict)
			break
		}
	}
	if len(s.toBind) > 0 {
		if _, ok := pl.FindVolumes(s.toBind, node); !ok {
			reasons = append(reasons, ErrReasonBindConflict)
		}
	}
	if len(reasons) > 0 {
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, reasons...)
	}
	return nil
}

// VolumeFitsNode reports whether pv's required node affinity (if any)
// admits node.
func VolumeFitsNode(pv *v1.PersistentVolume, node *v1.Node) bool {
	na := pv.Spec.NodeAffinity
	if na == nil || na.Required == nil {
		return true
	}
	return framework.MatchNodeSelectorTerms(node, na.Required.NodeSelectorTerms)
}
