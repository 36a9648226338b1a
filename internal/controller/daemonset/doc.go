// Package daemonset owns the DaemonSet controller: it keeps one pod of
// every DaemonSet on each node that should run it, and rolls those pods
// between ControllerRevisions, as upstream's DaemonSet controller does.
//
// Which nodes (nodes.go, pure): a node runs a daemon pod when it matches
// the template's nodeName, nodeSelector and required node affinity and
// has no NoSchedule or NoExecute taint the pod does not tolerate; a pod
// already there may stay despite new NoSchedule taints. Daemon pods get
// upstream's automatic tolerations (not-ready and unreachable NoExecute;
// disk-, memory- and pid-pressure and unschedulable NoSchedule;
// network-unavailable NoSchedule for hostNetwork pods) and a required node
// affinity on metadata.name for their node, so the default scheduler binds
// them there.
//
// Reconcile(namespace/name):
//
//  1. claims pods and ControllerRevisions, finds or creates the revision
//     of spec.template (its hash is the controller-revision-hash label of
//     new pods, with pod-template-generation = metadata.generation), as
//     upstream's constructHistory (revision.go, planRevisions pure): a
//     revision without a hash label gets its name as hash; several
//     revisions of the same template (two writers raced) merge into the
//     one with the highest revision number, whose hash the duplicates'
//     pods get before the duplicates are deleted (upstream relabels every
//     pod not carrying it, old templates' too; Skiff only the duplicates'
//     pods, so a roll still replaces old pods); the current revision is
//     numbered one above every other (a rollback renumbers it), a new one
//     likewise;
//  2. manages nodes: creates a pod on each node that should run one and
//     has none, deletes pods on nodes that should not run them, failed
//     pods (with a per-node back-off) and surplus pods;
//  3. once its expectations are met, rolls (update.go, pure): with
//     maxSurge a new pod starts beside the old one, which is deleted when
//     the new one is available; otherwise old pods are deleted so that at
//     most maxUnavailable nodes lack an available pod. OnDelete rolls
//     nothing;
//  4. trims revisions beyond revisionHistoryLimit no pod uses, and writes
//     status (desiredNumberScheduled, currentNumberScheduled, numberReady,
//     numberAvailable, numberUnavailable, updatedNumberScheduled,
//     numberMisscheduled, observedGeneration, collisionCount).
//
// Node events enqueue every DaemonSet, so a new node gets its pods within
// a sync.
package daemonset
