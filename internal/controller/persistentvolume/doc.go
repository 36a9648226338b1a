// Package persistentvolume owns the PersistentVolume binder and the
// pvc-protection and pv-protection loops, as upstream's
// pkg/controller/volume/{persistentvolume,pvcprotection,pvprotection},
// for statically provisioned volumes: Skiff has no volume plugin that
// provisions, recycles or deletes storage.
//
// The binder (one worker; a Request without a namespace names a
// PersistentVolume, one with a namespace a PersistentVolumeClaim) keeps
// the two pointers of a binding, PV.spec.claimRef and
// PVC.spec.volumeName, in step. decide.go and decide_volume.go turn the
// cached objects into a decision; binder.go and volume.go carry it out.
//
// A claim (decideClaim):
//
//   - without pv.kubernetes.io/bind-completed and without volumeName gets
//     the volume FindMatchingVolume picks (a volume pre-bound to it, else
//     the smallest Available volume of its class, size, volume mode,
//     access modes and selector). A claim of a WaitForFirstConsumer class
//     gets only a pre-bound volume: the scheduler's VolumeBinding plugin
//     chooses the others at Reserve and writes their claimRef at PreBind,
//     and until then the claim has the WaitForFirstConsumer (or
//     WaitForPodScheduled) event. A claim nothing matches stays Pending
//     with upstream's FailedBinding event (no class), ProvisioningFailed
//     (a missing class or a kubernetes.io/ provisioner) or
//     ExternalProvisioning (any other provisioner, which it annotates);
//   - naming a volume binds to it if the volume is free and satisfies the
//     claim (else VolumeMismatch) or is already pre-bound to the claim;
//   - already bound stays bound, or turns Lost (ClaimLost, ClaimMisbound)
//     when its volume or its volume's claimRef went away.
//
// Binding writes, in upstream's order: the volume's claimRef (with the
// claim's UID, and pv.kubernetes.io/bound-by-controller when the binder
// chose the volume), the volume's phase Bound, the claim's volumeName
// and annotations (bind-completed, bound-by-controller), then the
// claim's status (phase Bound, capacity, access modes). Every write is an
// optimistic update: a conflict retries the key.
//
// A volume (decideVolume) without a claimRef, or with one that has no UID
// yet, is Available; one whose claim is gone is Released and then
// reclaimed: Retain keeps it Released; Delete deletes the
// PersistentVolume object only (no plugin deletes the storage behind
// it); Recycle turns it Failed with upstream's VolumeFailedRecycle event
// (there is no recycler). A volume whose claim bound elsewhere is given
// back (unbound).
//
// Events are recorded as component "persistentvolume-controller".
//
// Not done: dynamic provisioning, volume expansion, the retroactive
// default StorageClass assignment, and the volume-attributes class.
package persistentvolume
