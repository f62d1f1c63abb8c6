// Package framework is skiff's scheduling framework: the extension points
// of upstream's scheduler framework (PreEnqueue, QueueSort, PreFilter,
// Filter, PostFilter, PreScore, Score, NormalizeScore, Reserve, Permit,
// PreBind, Bind, PostBind), the per-cycle state, the node and pod
// summaries plugins read (NodeInfo, PodInfo, Snapshot), and Framework,
// which runs one profile's plugins.
package framework

import (
	"errors"
	"strings"
)

// Code is a plugin's verdict.
type Code int

// Codes, with upstream's meanings.
const (
	Success Code = iota
	Error
	// Unschedulable: the pod does not fit now, preemption may help.
	Unschedulable
	// UnschedulableAndUnresolvable: preemption would not help on this node.
	UnschedulableAndUnresolvable
	Wait
	Skip
	Pending
)

var codeNames = []string{"Success", "Error", "Unschedulable", "UnschedulableAndUnresolvable", "Wait", "Skip", "Pending"}

func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "Unknown"
}

// Status is a plugin's result; nil means Success.
type Status struct {
	code    Code
	reasons []string
	err     error
	plugin  string
}

// NewStatus makes a status with the given reasons (user-facing messages).
func NewStatus(code Code, reasons ...string) *Status {
	return &Status{code: code, reasons: reasons}
}

// AsStatus wraps an internal error.
func AsStatus(err error) *Status {
	if err == nil {
		return nil
	}
	return &Status{code: Error, reasons: []string{err.Error()}, err: err}
}

// Code of s; Success for nil.
func (s *Status) Code() Code {
	if s == nil {
		return Success
	}
	return s.code
}

// IsSuccess is true for nil and Success.
func (s *Status) IsSuccess() bool { return s.Code() == Success }

// IsSkip is true for Skip.
func (s *Status) IsSkip() bool { return s.Code() == Skip }

// IsWait is true for Wait.
func (s *Status) IsWait() bool { return s.Code() == Wait }

// IsRejected is true when the pod does not fit (as opposed to an error).
func (s *Status) IsRejected() bool {
	c := s.Code()
	return c == Unschedulable || c == UnschedulableAndUnresolvable || c == Pending
}

// Reasons are the user-facing messages.
func (s *Status) Reasons() []string {
	if s == nil {
		return nil
	}
	return s.reasons
}

// Message joins the reasons as upstream does.
func (s *Status) Message() string {
	if s == nil {
		return ""
	}
	return strings.Join(s.reasons, ", ")
}

// AsError is the status as an error (nil when successful).
func (s *Status) AsError() error {
	if s.IsSuccess() {
		return nil
	}
	if s.err != nil {
		return s.err
	}
	return errors.New(s.Message())
}

// WithError sets the underlying error.
func (s *Status) WithError(err error) *Status {
	s.err = err
	if len(s.reasons) == 0 && err != nil {
		s.reasons = []string{err.Error()}
	}
	return s
}

// Err is the wrapped error, if any.
func (s *Status) Err() error {
	if s == nil {
		return nil
	}
	return s.err
}

// WithPlugin records which plugin produced s.
func (s *Status) WithPlugin(name string) *Status {
	if s != nil {
		s.plugin = name
	}
	return s
}

// Plugin is the plugin that produced s.
func (s *Status) Plugin() string {
	if s == nil {
		return ""
	}
	return s.plugin
}

// MaxNodeScore and MinNodeScore bound normalised scores.
const (
	MaxNodeScore int64 = 100
	MinNodeScore int64 = 0
	// MaxTotalScore bounds a node's weighted sum.
	MaxTotalScore int64 = 1<<63 - 1
)
