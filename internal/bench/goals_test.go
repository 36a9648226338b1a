package bench

import (
	"bytes"
	"strings"
	"testing"
)

func TestGoals(t *testing.T) {
	base := func() *Report {
		return &Report{
			ReadyMs: 400, Idle: Memory{RSS: 60}, Pods: 10000, Loaded: Memory{RSS: 200},
			Ops: []Row{
				{Op: "create", Resource: "configmaps", Objects: 1, P99Ms: 4},
				{Op: "create", Resource: "pods", P99Ms: 8},
				{Op: "get", Resource: "configmaps", Objects: 100, P99Ms: 1},
			},
			Fanout: Fanout{Watchers: 1000, Received: 1000, P99Ms: 20},
		}
	}
	tests := []struct {
		name    string
		mutate  func(*Report)
		wantNot []string // goals expected to be missed
	}{
		{name: "all met", mutate: func(*Report) {}},
		{name: "slow get", mutate: func(r *Report) { r.Ops[2].P99Ms = 2 }, wantNot: []string{"p99 get < 2 ms"}},
		{name: "errors miss a goal", mutate: func(r *Report) { r.Ops[0].Errors = 1 }, wantNot: []string{"p99 create < 10 ms"}},
		{name: "lost watch event", mutate: func(r *Report) { r.Fanout.Received = 999 }, wantNot: []string{"watch fan-out p99 < 50 ms (1000 watchers)"}},
		{name: "fat and slow", mutate: func(r *Report) { r.Idle.RSS, r.Loaded.RSS, r.ReadyMs = 80, 250, 1000 },
			wantNot: []string{"idle RSS < 80 MiB", "RSS with 10000 pods < 250 MiB", "ready < 1 s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base()
			tt.mutate(r)
			var missed []string
			for _, g := range r.Goals() {
				if !g.Met {
					missed = append(missed, g.Goal)
				}
			}
			if strings.Join(missed, "|") != strings.Join(tt.wantNot, "|") {
				t.Errorf("Goals() missed %q; want %q", missed, tt.wantNot)
			}
		})
	}
}

func TestGoalsWorstRow(t *testing.T) {
	r := &Report{Ops: []Row{
		{Op: "create", Resource: "configmaps", Objects: 1, P99Ms: 4},
		{Op: "create", Resource: "pods", P99Ms: 12},
	}}
	g := r.Goals()[0]
	if want := "12.00 ms (worst row: pods, namespace growing)"; g.Measured != want {
		t.Errorf("Goals()[0].Measured = %q; want %q", g.Measured, want)
	}
}

func TestWriteTable(t *testing.T) {
	r := &Report{Ops: []Row{{Op: "get", Resource: "configmaps", Objects: 5000, Count: 10, P50Ms: 1, P99Ms: 2, OpsPerSec: 500, Errors: 1, FirstError: "nope"}}}
	var b bytes.Buffer
	if err := r.WriteTable(&b); err != nil {
		t.Fatalf("WriteTable: %v", err)
	}
	for _, want := range []string{"configmaps", "5000", "first error of get configmaps (5000 objects): nope", "p99 get < 2 ms"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("WriteTable() = %q; want it to contain %q", b.String(), want)
		}
	}
}
