package bench

import "fmt"

// Goal is one target of the API benchmark beside what a run measured.
type Goal struct {
	Goal     string `json:"goal"`
	Measured string `json:"measured"`
	Met      bool   `json:"met"`
}

// Goals compares the report with the targets Skiff set itself: p99 create
// < 10 ms, p99 get < 2 ms, watch fan-out p99 < 50 ms, idle RSS < 80 MiB,
// RSS with the Pods stored < 250 MiB and ready in < 1 s. A row kind that
// was not measured is left out.
func (r *Report) Goals() []Goal {
	var goals []Goal
	for _, t := range []struct {
		op    string
		limit float64
	}{{"create", 10}, {"get", 2}} {
		worst, errs, ok := worstP99(r.Ops, t.op)
		if !ok {
			continue
		}
		measured := fmt.Sprintf("%.2f ms (worst row: %s, %s)", worst.P99Ms, worst.Resource, objectsText(worst.Objects))
		if errs > 0 {
			measured += fmt.Sprintf(", %d errors", errs)
		}
		goals = append(goals, Goal{
			Goal:     fmt.Sprintf("p99 %s < %.0f ms", t.op, t.limit),
			Measured: measured,
			Met:      worst.P99Ms < t.limit && errs == 0,
		})
	}
	if f := r.Fanout; f.Watchers > 0 {
		goals = append(goals, Goal{
			Goal:     fmt.Sprintf("watch fan-out p99 < 50 ms (%d watchers)", f.Watchers),
			Measured: fmt.Sprintf("%.2f ms, %d/%d received", f.P99Ms, f.Received, f.Watchers),
			Met:      f.P99Ms < 50 && f.Received == f.Watchers,
		})
	}
	goals = append(goals, Goal{Goal: "idle RSS < 80 MiB", Measured: fmt.Sprintf("%.1f MiB", r.Idle.RSS), Met: r.Idle.RSS < 80})
	if r.Pods > 0 {
		goals = append(goals, Goal{
			Goal:     fmt.Sprintf("RSS with %d pods < 250 MiB", r.Pods),
			Measured: fmt.Sprintf("%.1f MiB", r.Loaded.RSS),
			Met:      r.Loaded.RSS < 250,
		})
	}
	goals = append(goals, Goal{Goal: "ready < 1 s", Measured: fmt.Sprintf("%.0f ms", r.ReadyMs), Met: r.ReadyMs < 1000})
	return goals
}

// worstP99 is the row of kind op with the highest p99, and the errors of
// all rows of that kind.
func worstP99(rows []Row, op string) (worst Row, errs int, found bool) {
	for _, row := range rows {
		if row.Op != op {
			continue
		}
		errs += row.Errors
		if !found || row.P99Ms > worst.P99Ms {
			worst, found = row, true
		}
	}
	return worst, errs, found
}

func objectsText(n int) string {
	if n == 0 {
		return "namespace growing"
	}
	return fmt.Sprintf("%d objects", n)
}
