package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
)

// Report is everything one run measured. Latencies are milliseconds and
// memory is MiB so that the JSON reads without conversion.
type Report struct {
	Workers int    `json:"workers"`
	Wire    string `json:"wire"`
	// Rate is the pace of every row in operations a second (0: as fast
	// as the workers go).
	Rate float64 `json:"rate,omitempty"`
	// ClientGOGC is the bench process's own GOGC during the run; -1 is
	// off until its heap reaches 512 MiB (Config.ClientGOGC).
	ClientGOGC int `json:"client_gogc"`
	// CPUs and the one-minute load averages before and after the run say
	// how much else the machine was doing: figures from a busy machine are
	// not comparable.
	CPUs       int     `json:"cpus"`
	LoadBefore float64 `json:"load_before"`
	LoadAfter  float64 `json:"load_after"`
	// ReadyMs is the time from exec of the server to /readyz ok, on an
	// empty data dir.
	ReadyMs float64 `json:"ready_ms"`
	// Idle is the server's memory once it has settled after start.
	Idle   Memory `json:"idle"`
	Ops    []Row  `json:"ops"`
	Fanout Fanout `json:"fanout"`
	// Pods is how many Pods were stored for Loaded.
	Pods int `json:"pods"`
	// LoadedAtFill is the memory as the last create of the fill returned;
	// Loaded is read LoadedWaitMs later, once the server went quiet
	// (LoadedQuiet; false when it was still busy at the limit), and
	// LoadedRest LoadedRestMs after that.
	LoadedAtFill Memory  `json:"loaded_at_fill"`
	Loaded       Memory  `json:"loaded"`
	LoadedRest   Memory  `json:"loaded_rest"`
	LoadedRestMs float64 `json:"loaded_rest_ms"`
	LoadedWaitMs float64 `json:"loaded_wait_ms"`
	LoadedQuiet  bool    `json:"loaded_quiet"`
	// RestartReadyMs and Restart are the figures of a restart on the same
	// data dir with the Pods stored (zero when skipped).
	RestartReadyMs float64 `json:"restart_ready_ms,omitempty"`
	Restart        Memory  `json:"restart"`
	RestartError   string  `json:"restart_error,omitempty"`
}

// Row is one measured operation: Op on Resource in a namespace holding
// Objects objects (0 when the namespace grows during the row).
type Row struct {
	Op        string  `json:"op"`
	Resource  string  `json:"resource"`
	Objects   int     `json:"objects"`
	Count     int     `json:"count"`
	Errors    int     `json:"errors"`
	P50Ms     float64 `json:"p50_ms"`
	P99Ms     float64 `json:"p99_ms"`
	OpsPerSec float64 `json:"ops_per_sec"`
	// ServerCPUMsPerOp is the server process's CPU time (user + system)
	// during the row divided by Count; 0 when not measured. Unlike the
	// latencies it hardly depends on what else the machine runs.
	ServerCPUMsPerOp float64 `json:"server_cpu_ms_per_op,omitempty"`
	FirstError       string  `json:"first_error,omitempty"`
}

func newRow(op, resource string, objects int, o outcome) Row {
	s := Summarize(o.latencies)
	r := Row{Op: op, Resource: resource, Objects: objects, Count: s.Count, Errors: o.errors, P50Ms: millis(s.P50), P99Ms: millis(s.P99)}
	if o.elapsed > 0 {
		r.OpsPerSec = float64(s.Count) / o.elapsed.Seconds()
	}
	if o.firstErr != nil {
		r.FirstError = o.firstErr.Error()
	}
	return r
}

// String is the memory as the table prints it.
func (m Memory) String() string {
	return fmt.Sprintf("RSS %.1f MiB (anon %.1f, file %.1f)", m.RSS, m.Anon, m.File)
}

// WriteTable prints the report as aligned text tables.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "op\tresource\tobjects\tcount\terrors\tp50 ms\tp99 ms\tops/s\tsrv cpu ms/op\t\n")
	for _, o := range r.Ops {
		objects := fmt.Sprint(o.Objects)
		if o.Objects == 0 {
			objects = "growing"
		}
		cpu := "-"
		if o.ServerCPUMsPerOp > 0 {
			cpu = fmt.Sprintf("%.3f", o.ServerCPUMsPerOp)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%.2f\t%.2f\t%.0f\t%s\t\n", o.Op, o.Resource, objects, o.Count, o.Errors, o.P50Ms, o.P99Ms, o.OpsPerSec, cpu)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, o := range r.Ops {
		if o.FirstError != "" {
			fmt.Fprintf(w, "first error of %s %s (%d objects): %s\n", o.Op, o.Resource, o.Objects, o.FirstError)
		}
	}
	f := r.Fanout
	fmt.Fprintf(w, "\nwatch fan-out: %d/%d watchers saw the write; after the write returned: p50 %.2f ms, p99 %.2f ms, max %.2f ms;"+
		" after it was sent: p50 %.2f ms, p99 %.2f ms (write %.2f ms, opening watches %.0f ms)\n",
		f.Received, f.Watchers, f.P50Ms, f.P99Ms, f.MaxMs, f.SentP50Ms, f.SentP99Ms, f.WriteMs, f.SetupMs)
	pace := "as fast as they go"
	if r.Rate > 0 {
		pace = fmt.Sprintf("each row paced at %g operations a second, latencies timed from when each was due", r.Rate)
	}
	fmt.Fprintf(w, "\nmachine: %d CPUs, load average %.2f before and %.2f after the run; %d workers (%s), %s on the wire; %s\n",
		r.CPUs, r.LoadBefore, r.LoadAfter, r.Workers, pace, r.Wire, clientGCString(r.ClientGOGC))
	fmt.Fprintf(w, "server: ready %.0f ms after exec; idle %s\n", r.ReadyMs, r.Idle)
	if r.Pods > 0 {
		quiet := "once quiet"
		if !r.LoadedQuiet {
			quiet = "still busy"
		}
		fmt.Fprintf(w, "server with %d pods stored: %s, read %.1f s after the fill (%s); at the fill's end %s; %.0f s later, at rest, %s\n",
			r.Pods, r.Loaded, r.LoadedWaitMs/1000, quiet, r.LoadedAtFill, r.LoadedRestMs/1000, r.LoadedRest)
	}
	if r.RestartReadyMs > 0 {
		fmt.Fprintf(w, "restart with %d pods stored: ready %.0f ms after exec; %s\n", r.Pods, r.RestartReadyMs, r.Restart)
	}
	if r.RestartError != "" {
		fmt.Fprintf(w, "restart with %d pods stored FAILED: %s\n", r.Pods, r.RestartError)
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "goal\tmeasured\tmet")
	for _, g := range r.Goals() {
		met := "yes"
		if !g.Met {
			met = "NO"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", g.Goal, g.Measured, met)
	}
	return tw.Flush()
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
