package apiserver

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
)

// HealthCheck is one named check listed on /readyz and /livez.
type HealthCheck struct {
	Name  string
	Check func(ctx context.Context) error
}

// VersionInfo is what /version reports, in upstream's version.Info shape.
type VersionInfo struct {
	Major        string `json:"major"`
	Minor        string `json:"minor"`
	GitVersion   string `json:"gitVersion"`
	GitCommit    string `json:"gitCommit"`
	GitTreeState string `json:"gitTreeState"`
	BuildDate    string `json:"buildDate"`
	GoVersion    string `json:"goVersion"`
	Compiler     string `json:"compiler"`
	Platform     string `json:"platform"`
}

func (s *Server) serveVersion(w http.ResponseWriter, r *http.Request) {
	v := s.cfg.Version
	v.GoVersion = runtime.Version()
	v.Compiler = runtime.Compiler
	v.Platform = runtime.GOOS + "/" + runtime.GOARCH
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// healthLog logs a health check when it starts failing, with the reason
// the answer withholds, and when it passes again; not on every request, so
// a client polling /readyz while the server starts (or while etcd is away)
// does not fill the log with one line per poll. Upstream logs each failed
// request at verbosity 2.
type healthLog struct {
	mu      sync.Mutex
	failing map[string]string // check name: its last error
}

func (h *healthLog) report(log *slog.Logger, check string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	last, was := h.failing[check]
	switch {
	case err != nil && (!was || last != err.Error()):
		if h.failing == nil {
			h.failing = map[string]string{}
		}
		h.failing[check] = err.Error()
		log.Warn("health check failed", "check", check, "err", err)
	case err == nil && was:
		delete(h.failing, check)
		log.Info("health check passed", "check", check)
	}
}

// serveHealth answers /healthz, /livez and /readyz like upstream: "ok", or
// with ?verbose a line per check, and /readyz/<check> for one check.
func (s *Server) serveHealth(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		checks := append([]HealthCheck{{Name: "ping", Check: func(context.Context) error { return nil }}}, s.cfg.Checks...)
		only := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/"+kind), "/")
		exclude := map[string]bool{}
		for _, e := range r.URL.Query()["exclude"] {
			exclude[e] = true
		}
		var b strings.Builder
		failed := false
		found := only == ""
		for _, c := range checks {
			if only != "" && c.Name != only {
				continue
			}
			found = true
			if exclude[c.Name] {
				fmt.Fprintf(&b, "[+]%s excluded: ok\n", c.Name)
				continue
			}
			err := c.Check(r.Context())
			s.health.report(s.log, c.Name, err)
			if err != nil {
				failed = true
				fmt.Fprintf(&b, "[-]%s failed: reason withheld\n", c.Name)
				continue
			}
			fmt.Fprintf(&b, "[+]%s ok\n", c.Name)
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if !found {
			http.NotFound(w, r)
			return
		}
		if failed {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, "%s%s check failed\n", b.String(), kind)
			return
		}
		if _, verbose := r.URL.Query()["verbose"]; verbose {
			fmt.Fprintf(w, "%s%s check passed\n", b.String(), kind)
			return
		}
		fmt.Fprint(w, "ok")
	}
}
