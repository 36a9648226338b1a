package controller

import (
	"testing"
	"time"
)

func TestExpectations(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	e := NewExpectations(func() time.Time { return now })
	tests := []struct {
		name string
		step func()
		want bool
	}{
		{name: "unknown key is satisfied", step: func() {}, want: true},
		{name: "pending creations hold", step: func() { e.Expect("ns/rs", 2, 0) }, want: false},
		{name: "one observed still holds", step: func() { e.Observe("ns/rs", 1, 0) }, want: false},
		{name: "all observed", step: func() { e.Observe("ns/rs", 1, 0) }, want: true},
		{name: "pending deletions hold", step: func() { e.Expect("ns/rs", 0, 1) }, want: false},
		{name: "expired after the TTL", step: func() { now = now.Add(ExpectationsTTL + time.Second) }, want: true},
		{name: "forgotten", step: func() { e.Expect("ns/rs", 1, 0); e.Forget("ns/rs") }, want: true},
	}
	for _, tt := range tests {
		tt.step()
		if got := e.Satisfied("ns/rs"); got != tt.want {
			t.Errorf("%s: Satisfied() = %v; want %v", tt.name, got, tt.want)
		}
	}
}
