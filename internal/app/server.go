package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"k8s.io/client-go/rest"

	"github.com/skiff-dev/skiff/internal/apiserver"
	"github.com/skiff-dev/skiff/internal/idlemem"
	"github.com/skiff-dev/skiff/internal/inproc"
	"github.com/skiff-dev/skiff/internal/pki"
)

// Version is the Kubernetes version Skiff reports.
var Version = apiserver.VersionInfo{Major: "1", Minor: "33", GitVersion: "v1.33.0+skiff", GitTreeState: "clean"}

// Server is a running `skiff server`.
type Server struct {
	// Kubeconfig is the path of the admin kubeconfig.
	Kubeconfig string
	// URL is the HTTPS address of the API.
	URL string
	// Handler serves the API in-process (authentication included).
	Handler http.Handler

	stop func()
	done chan error
	// pack packs the watch caches (storage.Store.Pack).
	pack func() int
}

// Loopback returns a client-go config that reaches the API in-process as
// the server's own identity (system:masters).
func (s *Server) Loopback() *rest.Config {
	return inproc.Config(s.Handler, "system:apiserver", "system:masters")
}

// Stop ends the server and waits for it; it is idempotent.
func (s *Server) Stop() error {
	s.stop()
	return s.Wait()
}

// Wait blocks until the server ends.
func (s *Server) Wait() error {
	err := <-s.done
	s.done <- err
	return err
}

// RunServer runs the server until ctx ends.
func RunServer(ctx context.Context, cfg ServerConfig) error {
	srv, err := StartServer(ctx, cfg)
	if err != nil {
		return err
	}
	releaseExecutable(cfg.Logger)
	go idlemem.Run(ctx, idlemem.Config{Log: cfg.Logger, Compact: func() { srv.pack() }})
	go idlemem.RunGCTarget(ctx, idlemem.TargetConfig{})
	<-ctx.Done()
	return srv.Stop()
}

// releaseExecutable unmaps the binary's pages that starting the process
// mapped (idlemem.ReleaseExecutable); the pages the process goes on to use
// come back as it touches them. A long-running process (server, agent)
// calls it once it has started.
func releaseExecutable(log *slog.Logger) {
	r, err := idlemem.ReleaseExecutable()
	if log == nil {
		return
	}
	if err != nil {
		log.Debug("could not release the executable's start-up pages", "err", err)
		return
	}
	log.Debug("released the executable's start-up pages", "mapped_bytes", r.Mapped,
		"resident_bytes_before", r.ResidentBefore, "resident_bytes_after", r.ResidentAfter)
}

// StartServer starts every part of the server and returns once it serves.
// A step that fails undoes the steps before it.
func StartServer(ctx context.Context, cfg ServerConfig) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	begun := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	s := &serverStart{cfg: cfg, log: cfg.Logger, cancel: cancel}
	s.onStop(cancel)
	if err := s.run(ctx); err != nil {
		s.unwind()
		return nil, err
	}
	url := "https://" + net.JoinHostPort(kubeconfigHost(cfg.BindAddress), strconv.Itoa(s.ln.Addr().(*net.TCPAddr).Port))
	if err := pki.WriteKubeconfig(cfg.WriteKubeconfig, url, s.bundle); err != nil {
		s.unwind()
		return nil, fmt.Errorf("write kubeconfig: %w", err)
	}
	s.log.Info("skiff server ready", "url", url, "kubeconfig", cfg.WriteKubeconfig, "took", time.Since(begun).Round(time.Millisecond))
	if cfg.Ready != nil {
		close(cfg.Ready)
	}
	srv := &Server{Kubeconfig: cfg.WriteKubeconfig, URL: url, Handler: s.handler, done: make(chan error, 1), pack: s.store.Pack}
	var stopped atomic.Bool
	srv.stop = func() {
		if stopped.Swap(true) {
			return
		}
		s.unwind()
		srv.done <- nil
	}
	go func() {
		<-ctx.Done()
		srv.stop()
	}()
	return srv, nil
}

// kubeconfigHost is the host the admin kubeconfig names: loopback when the
// server listens everywhere.
func kubeconfigHost(bind string) string {
	ip := net.ParseIP(bind)
	if ip == nil || ip.IsUnspecified() {
		return "127.0.0.1"
	}
	return bind
}
