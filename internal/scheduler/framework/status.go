package framework

import (
	"errors"
	"fmt"
	"strings"
)

// Code is the outcome of a plugin call.
type Code int

const (
	// Success means the plugin passed the pod (a nil *Status is Success too).
	Success Code = iota
	// Error is an internal failure; the pod is retried with backoff.
	Error
	// Unschedulable means the node does not fit now but preemption or a
	// cluster change might help.
	Unschedulable
	// UnschedulableAndUnresolvable means preempting pods on the node
	// cannot help.
	UnschedulableAndUnresolvable
	// Skip tells the framework to skip the plugin's later extension
	// points for this pod (returned from PreFilter or PreScore).
	Skip
)

// Status is a plugin's answer with the reasons behind it.
type Status struct {
	code    Code
	reasons []string
	err     error
	plugin  string
}

// NewStatus makes a Status with code and reasons.
func NewStatus(code Code, reasons ...string) *Status {
	s := &Status{code: code, reasons: reasons}
	if code == Error {
		s.err = errors.New(strings.Join(reasons, ", "))
	}
	return s
}

// AsStatus wraps an internal error.
func AsStatus(err error) *Status {
	if err == nil {
		return nil
	}
	return &Status{code: Error, reasons: []string{err.Error()}, err: err}
}

// Code is s's code; Success for nil.
func (s *Status) Code() Code {
	if s == nil {
		return Success
	}
	return s.code
}

// IsSuccess reports whether s is nil or Success.
func (s *Status) IsSuccess() bool { return s.Code() == Success }

// IsSkip reports whether s is Skip.
func (s *Status) IsSkip() bool { return s.Code() == Skip }

// IsRejected reports whether the pod was found not to fit.
func (s *Status) IsRejected() bool {
	c := s.Code()
	return c == Unschedulable || c == UnschedulableAndUnresolvable
}

// Reasons are the human-readable reasons, one per failed check.
func (s *Status) Reasons() []string {
	if s == nil {
		return nil
	}
	return s.reasons
}

// Message joins the reasons with ", ".
func (s *Status) Message() string {
	if s == nil {
		return ""
	}
	return strings.Join(s.reasons, ", ")
}

// AsError returns the error of an Error status, nil otherwise.
func (s *Status) AsError() error {
	if s.Code() != Error {
		return nil
	}
	return s.err
}

// Plugin is the name of the plugin that produced s.
func (s *Status) Plugin() string {
	if s == nil {
		return ""
	}
	return s.plugin
}

// WithPlugin records the producing plugin and returns s.
func (s *Status) WithPlugin(name string) *Status {
	if s != nil {
		s.plugin = name
	}
	return s
}

// Equal compares codes and reasons (for tests).
func (s *Status) Equal(o *Status) bool {
	if s.Code() != o.Code() || len(s.Reasons()) != len(o.Reasons()) {
		return false
	}
	for i, r := range s.Reasons() {
		if o.Reasons()[i] != r {
			return false
		}
	}
	return true
}

// String is the code's name, as upstream's (the status label of the
// scheduler's metrics).
func (c Code) String() string {
	names := [...]string{"Success", "Error", "Unschedulable", "UnschedulableAndUnresolvable", "Skip"}
	if int(c) < 0 || int(c) >= len(names) {
		return fmt.Sprintf("Code(%d)", int(c))
	}
	return names[c]
}

// String is code and message, for test failures.
func (s *Status) String() string {
	if s == nil {
		return "Success"
	}
	return s.code.String() + ": " + s.Message()
}
