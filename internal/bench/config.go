package bench

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// Config is what one `skiff bench api` run measures. Zero fields take the
// defaults validate names.
type Config struct {
	// Binary is the skiff executable started as `Binary server ...`.
	Binary string
	// Objects is how many Pods are stored for the RSS figure; 0 skips it
	// (the command's default is 10000).
	Objects int
	// Watchers is how many watches the fan-out row opens; 0 skips it (the
	// command's default is 1000).
	Watchers int
	// Workers is how many concurrent client goroutines each row uses (8).
	Workers int
	// Count is how many operations each create/get/update/delete row runs
	// (1000), unless Duration is set.
	Count int
	// ListCount is how many operations each list row runs (200), unless
	// Duration is set: a list of 5,000 objects costs a thousand gets.
	ListCount int
	// Duration, when positive, makes every row run for this long instead of
	// a fixed count.
	Duration time.Duration
	// Rate, when positive, paces every row at this many operations a
	// second, whatever the workers could do (an open loop; see plan):
	// latencies then show the server at that load instead of saturated.
	Rate float64
	// Sizes are the namespace sizes the CRUD rows run against (1, 100, 5000).
	Sizes []int
	// ClientGOGC is the bench process's own GOGC while it runs: 0 or
	// negative turns its collector off until its heap reaches 512 MiB (the
	// default; see setClientGC), a positive value is the percent (100 is
	// Go's default, which runs before session 29 used). The server, a
	// child process, keeps its own.
	ClientGOGC int
	// Wire is what the client speaks: "protobuf" (client-go's own default
	// for built-in types) or "json" (what kubectl speaks).
	Wire string
	// Settle is how long the server idles before the idle RSS reading (2s).
	Settle time.Duration
	// Rest is how long after the server went quiet with the pods stored
	// the memory is read again, at rest (15s): by then the server has
	// handed the fill's garbage back to the OS (internal/idlemem).
	Rest time.Duration
	// SkipRestart leaves out the restart with Objects Pods stored.
	SkipRestart bool
	// RBACObjects, when 0 or more, makes the client a non-admin user that
	// RBAC authorizes (through impersonation by the admin) and stores this
	// many Roles and RoleBindings first (rbac.go); negative (the
	// default) keeps the admin client, which system:masters lets through
	// without looking at RBAC.
	RBACObjects int
	// ServerHeapProfile, if set, is where the server's heap profile (after
	// a GC) is written once the Objects Pods are stored and the loaded RSS
	// read.
	ServerHeapProfile string
	// ServerCPUProfile, if set, is where a CPU profile of the server,
	// taken over the first ServerCPUProfileSeconds (5) of storing the
	// Objects Pods, is written.
	ServerCPUProfile        string
	ServerCPUProfileSeconds int
	// Progress, if set, receives one line per phase as the run goes.
	Progress io.Writer
}

func (c *Config) validate() error {
	if c.Binary == "" {
		return errors.New("no skiff binary to start")
	}
	defaults := []struct {
		v   *int
		def int
	}{{&c.Workers, 8}, {&c.Count, 1000}, {&c.ListCount, 200}}
	for _, d := range defaults {
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if c.Objects < 0 || c.Watchers < 0 || c.Workers < 1 || c.Count < 1 || c.ListCount < 1 {
		return fmt.Errorf("objects %d, watchers %d, workers %d, count %d, list count %d: want workers, counts >= 1 and the rest >= 0",
			c.Objects, c.Watchers, c.Workers, c.Count, c.ListCount)
	}
	if c.ClientGOGC <= 0 {
		c.ClientGOGC = -1
	}
	if c.Duration < 0 {
		return fmt.Errorf("duration %v: must not be negative", c.Duration)
	}
	if c.Rate < 0 {
		return fmt.Errorf("rate %v: must not be negative", c.Rate)
	}
	if c.ServerHeapProfile != "" && c.Objects == 0 {
		return fmt.Errorf("server heap profile %s: it is taken with the pods stored, and objects is 0", c.ServerHeapProfile)
	}
	if c.ServerCPUProfile != "" && c.Objects == 0 {
		return fmt.Errorf("server cpu profile %s: it is taken while the pods are stored, and objects is 0", c.ServerCPUProfile)
	}
	if c.ServerCPUProfileSeconds < 0 {
		return fmt.Errorf("server cpu profile seconds %d: must not be negative", c.ServerCPUProfileSeconds)
	}
	if c.ServerCPUProfileSeconds == 0 {
		c.ServerCPUProfileSeconds = 5
	}
	if len(c.Sizes) == 0 {
		c.Sizes = []int{1, 100, 5000}
	}
	for _, s := range c.Sizes {
		if s < 1 {
			return fmt.Errorf("size %d: want >= 1", s)
		}
	}
	switch c.Wire {
	case "":
		c.Wire = "protobuf"
	case "protobuf", "json":
	default:
		return fmt.Errorf("wire %q: want protobuf or json", c.Wire)
	}
	if c.Settle == 0 {
		c.Settle = 2 * time.Second
	}
	if c.Rest == 0 {
		c.Rest = 15 * time.Second
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return nil
}
