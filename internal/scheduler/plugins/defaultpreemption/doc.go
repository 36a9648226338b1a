// Package defaultpreemption owns DefaultPreemption, the PostFilter that
// runs when no node fits a pod, as upstream's:
//
//  1. The preemptor must be eligible: not preemptionPolicy Never, and not
//     already waiting for a lower-priority victim that is terminating on
//     its nominated node.
//  2. Candidates: among the nodes whose filter status was Unschedulable
//     (not UnschedulableAndUnresolvable), starting at a random offset and
//     stopping once enough candidates are found (minCandidateNodesPercentage
//     of them, at least minCandidateNodesAbsolute), each node's copy has
//     every lower-priority pod removed; if the pod then passes the filters
//     (nominated pods counted), victims are reprieved one by one, most
//     important first and PDB-violating ones before the others, keeping
//     every pod that can stay.
//  3. The node: fewest PDB violations, lowest highest-priority victim,
//     lowest sum of priorities, fewest victims, latest start of the
//     highest-priority victims, then the first.
//  4. Each victim gets the DisruptionTarget condition (PreemptionByScheduler)
//     and is deleted gracefully, with a "Preempted" event; lower-priority
//     pods nominated to that node lose their nomination. The scheduler then
//     sets the preemptor's status.nominatedNodeName and requeues it; it
//     binds once the victims are gone.
//
// When nothing can help, the status says why per node: "preemption: 0/5
// nodes are available: 2 No preemption victims found for incoming pod, 3
// Preemption is not helpful for scheduling.", and the preemptor's stale
// nomination is cleared.
package defaultpreemption
