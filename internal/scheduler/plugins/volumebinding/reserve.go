package volumebinding

import (
	"context"
	"fmt"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// Annotations the binder writes on a volume and reads on a claim, as the
// PersistentVolume controller names them.
const (
	annBoundByController = "pv.kubernetes.io/bound-by-controller"
	annBindCompleted     = "pv.kubernetes.io/bind-completed"
)

// pollInterval is how often PreBind looks at the claims it waits for.
const pollInterval = 50 * time.Millisecond

// binding is a claim and the volume Reserve chose for it.
type binding struct {
	claim  *v1.PersistentVolumeClaim
	volume string
}

func (b binding) claimKey() string { return b.claim.Namespace + "/" + b.claim.Name }

const reserveKey = framework.StateKey("Reserve" + Name)

// reserveState is the pod's bindings, from Reserve to PreBind and
// Unreserve.
type reserveState struct{ bindings []binding }

func (s *reserveState) Clone() framework.StateData { return s }

// Reserve picks, on the chosen node, a distinct available volume for each
// of the pod's unbound WaitForFirstConsumer claims (honouring the
// volumes' node affinity, as Filter did) and assumes them, so that no
// other pod is offered them until PreBind has written the binding or
// Unreserve has dropped it.
func (pl *VolumeBinding) Reserve(_ context.Context, state *framework.CycleState, pod *v1.Pod, nodeName string) *framework.Status {
	d, err := state.Read(preFilterKey)
	if err != nil {
		return nil // PreFilter skipped the pod: it has no claims
	}
	s := d.(*preFilterState)
	if len(s.toBind) == 0 {
		return nil
	}
	ni := pl.nodes.Get(nodeName)
	if ni == nil {
		return framework.AsStatus(fmt.Errorf("node %q not found in the snapshot", nodeName))
	}
	chosen, ok := pl.FindVolumes(s.toBind, ni.Node())
	if !ok {
		return framework.NewStatus(framework.Unschedulable, ErrReasonBindConflict)
	}
	rs := &reserveState{}
	for _, c := range s.toBind {
		rs.bindings = append(rs.bindings, binding{claim: c, volume: chosen[c.Name]})
	}
	if !pl.assumed.assume(rs.bindings) {
		return framework.NewStatus(framework.Unschedulable, ErrReasonBindConflict)
	}
	state.Write(reserveKey, rs)
	return nil
}

// Unreserve drops the pod's assumptions; it is idempotent.
func (pl *VolumeBinding) Unreserve(_ context.Context, state *framework.CycleState, _ *v1.Pod, _ string) {
	if rs := readReserve(state); rs != nil {
		pl.assumed.forget(rs.bindings)
	}
}

func readReserve(state *framework.CycleState) *reserveState {
	d, err := state.Read(reserveKey)
	if err != nil {
		return nil
	}
	return d.(*reserveState)
}

// PreBind writes each chosen volume's claimRef (with the claim's UID and
// pv.kubernetes.io/bound-by-controller, as upstream's binder; a static
// binding writes nothing on the claim) and waits, up to bindTimeout, until
// the PersistentVolume controller has bound every claim. On success the
// assumptions are dropped: the informer cache now shows the bindings.
func (pl *VolumeBinding) PreBind(ctx context.Context, state *framework.CycleState, _ *v1.Pod, _ string) *framework.Status {
	rs := readReserve(state)
	if rs == nil || len(rs.bindings) == 0 {
		return nil
	}
	for _, b := range rs.bindings {
		if err := pl.writeClaimRef(ctx, b); err != nil {
			return framework.AsStatus(fmt.Errorf("binding volumes: %w", err))
		}
	}
	err := wait.PollUntilContextTimeout(ctx, pollInterval, pl.bindTimeout, true, func(context.Context) (bool, error) {
		return pl.bound(rs.bindings)
	})
	if err != nil {
		if wait.Interrupted(err) && ctx.Err() == nil {
			err = context.DeadlineExceeded
		}
		return framework.AsStatus(fmt.Errorf("binding volumes: %w", err))
	}
	pl.assumed.forget(rs.bindings)
	return nil
}

// writeClaimRef points b's volume at b's claim, unless it already does.
func (pl *VolumeBinding) writeClaimRef(ctx context.Context, b binding) error {
	pv, err := pl.volumes.Get(b.volume)
	if err != nil {
		return err
	}
	ref := pv.Spec.ClaimRef
	if ref != nil && ref.Namespace == b.claim.Namespace && ref.Name == b.claim.Name && ref.UID == b.claim.UID {
		return nil
	}
	pv = pv.DeepCopy()
	pv.Spec.ClaimRef = &v1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1", Namespace: b.claim.Namespace,
		Name: b.claim.Name, UID: b.claim.UID, ResourceVersion: b.claim.ResourceVersion}
	metav1.SetMetaDataAnnotation(&pv.ObjectMeta, annBoundByController, "yes")
	_, err = pl.client.CoreV1().PersistentVolumes().Update(ctx, pv, metav1.UpdateOptions{})
	return err
}

// bound reports whether the controller has bound every claim; it fails
// when a claim or its volume's claimRef went away meanwhile.
func (pl *VolumeBinding) bound(bindings []binding) (bool, error) {
	for _, b := range bindings {
		c, err := pl.claims.PersistentVolumeClaims(b.claim.Namespace).Get(b.claim.Name)
		if apierrors.IsNotFound(err) || (err == nil && c.UID != b.claim.UID) {
			return false, fmt.Errorf("pvc %q was deleted", b.claimKey())
		}
		if err != nil {
			return false, err
		}
		pv, err := pl.volumes.Get(b.volume)
		if err != nil {
			return false, fmt.Errorf("failed to get pv %q from cache: %w", b.volume, err)
		}
		if ref := pv.Spec.ClaimRef; ref != nil && (ref.Namespace != c.Namespace || ref.Name != c.Name || (ref.UID != "" && ref.UID != c.UID)) {
			return false, fmt.Errorf("pv %q is bound to another claim %s/%s", b.volume, ref.Namespace, ref.Name)
		}
		if c.Spec.VolumeName == "" || !metav1.HasAnnotation(c.ObjectMeta, annBindCompleted) {
			return false, nil
		}
		if pv.Spec.ClaimRef == nil {
			return false, nil // the cache has not seen our write yet
		}
	}
	return true, nil
}
