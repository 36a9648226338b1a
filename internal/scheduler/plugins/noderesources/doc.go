// Package noderesources owns NodeResourcesFit (a pod's requests, including
// the init-container maximum, sidecars and pod overhead, must fit the
// node's allocatable less what its pods request; scored by the
// LeastAllocated, MostAllocated or RequestedToCapacityRatio strategy over
// weighted resources, per NodeResourcesFitArgs) and
// NodeResourcesBalancedAllocation (prefer nodes whose requested fractions
// of the configured resources stay even), as upstream's package of the
// same name.
package noderesources
