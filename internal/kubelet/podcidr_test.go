package kubelet

import (
	"testing"
	"time"
)

func TestPodCIDRReadDue(t *testing.T) {
	reg := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		known      bool
		registered time.Time
		lastRead   time.Time
		now        time.Time
		want       bool
	}{
		{"range known", true, reg, time.Time{}, reg.Add(time.Second), false},
		{"not registered", false, time.Time{}, time.Time{}, reg, false},
		{"first pod after registration", false, reg, time.Time{}, reg.Add(500 * time.Millisecond), true},
		{"read half a second ago", false, reg, reg.Add(2 * time.Second), reg.Add(2500 * time.Millisecond), false},
		{"read a second ago", false, reg, reg.Add(2 * time.Second), reg.Add(3 * time.Second), true},
		{"just inside the wait", false, reg, reg.Add(time.Second), reg.Add(podCIDRWait - time.Millisecond), true},
		{"wait over, never read", false, reg, time.Time{}, reg.Add(podCIDRWait), false},
		{"a minute after registration", false, reg, reg.Add(time.Second), reg.Add(time.Minute), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := podCIDRReadDue(tt.known, tt.registered, tt.lastRead, tt.now); got != tt.want {
				t.Errorf("podCIDRReadDue(%v, %v, %v, %v) = %v; want %v", tt.known, tt.registered, tt.lastRead, tt.now, got, tt.want)
			}
		})
	}
}
