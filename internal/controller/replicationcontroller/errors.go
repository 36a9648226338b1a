package replicationcontroller

import "errors"

// errStale is the cause of the conflict returned when the cached
// ReplicationController changed since the pass that computed its status.
var errStale = errors.New("the object has been modified; the status will be recomputed")
