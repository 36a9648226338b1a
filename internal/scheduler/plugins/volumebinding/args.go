package volumebinding

import (
	"fmt"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

// DefaultBindTimeoutSeconds is upstream's default bindTimeoutSeconds.
const DefaultBindTimeoutSeconds = 600

// Args is upstream's VolumeBindingArgs. shape (capacity scoring) is not
// declared: the strict decoder rejects it, as Skiff does not score.
type Args struct {
	// BindTimeoutSeconds is how long PreBind waits for the
	// PersistentVolume controller to report the pod's claims bound; 600
	// by default.
	BindTimeoutSeconds *int64 `json:"bindTimeoutSeconds,omitempty"`
}

var _ framework.PluginArgs = &Args{}

// NewArgs returns empty args (for the configuration decoder).
func NewArgs() framework.PluginArgs { return &Args{} }

// Default fills upstream's default, 600 seconds.
func (a *Args) Default() {
	if a.BindTimeoutSeconds == nil {
		v := int64(DefaultBindTimeoutSeconds)
		a.BindTimeoutSeconds = &v
	}
}

// Validate checks defaulted args as upstream's ValidateVolumeBindingArgs.
func (a *Args) Validate() error {
	if v := *a.BindTimeoutSeconds; v < 0 {
		return fmt.Errorf("bindTimeoutSeconds: Invalid value: %d: invalid BindTimeoutSeconds, should not be a negative value", v)
	}
	return nil
}
