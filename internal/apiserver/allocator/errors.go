package allocator

import "errors"

var (
	// ErrAllocated means the requested value is already taken.
	ErrAllocated = errors.New("provided value is already allocated")
	// ErrNotInRange means the value is outside the allocator's range or is a
	// reserved address (network, broadcast).
	ErrNotInRange = errors.New("provided value is not in the valid range")
	// ErrFull means no free value is left.
	ErrFull = errors.New("range is full")
)
