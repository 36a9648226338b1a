// Package noderesources owns NodeResourcesFit (a pod's requests, including
// the init-container maximum and pod overhead, must fit the node's
// allocatable less what its pods request; LeastAllocated scoring) and
// NodeResourcesBalancedAllocation (prefer nodes whose cpu and memory use
// stay even), as upstream's package of the same name.
package noderesources
