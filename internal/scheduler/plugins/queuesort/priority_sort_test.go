package queuesort

import (
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"
)

func TestLess(t *testing.T) {
	low, high := int32(1), int32(2)
	t1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	t2 := t1.Add(time.Second)
	info := func(prio *int32, ts time.Time) *framework.QueuedPodInfo {
		return &framework.QueuedPodInfo{Pod: &v1.Pod{Spec: v1.PodSpec{Priority: prio}}, Timestamp: ts}
	}
	tests := []struct {
		name string
		a, b *framework.QueuedPodInfo
		want bool
	}{
		{"a has higher priority", info(&high, t2), info(&low, t1), true},
		{"b has higher priority", info(&low, t1), info(&high, t2), false},
		{"equal priority, a older", info(&high, t1), info(&high, t2), true},
		{"equal priority, b older", info(&high, t2), info(&high, t1), false},
		{"unset priority is 0", info(nil, t2), info(&low, t1), false},
		{"equal everything", info(nil, t1), info(nil, t1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (&PrioritySort{}).Less(tt.a, tt.b); got != tt.want {
				t.Errorf("Less() = %v; want %v", got, tt.want)
			}
		})
	}
}
