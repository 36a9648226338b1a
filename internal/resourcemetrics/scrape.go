package resourcemetrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	corelisters "k8s.io/client-go/listers/core/v1"
)

// DefaultResolution is how often kubelets are scraped, metrics-server's
// default --metric-resolution.
const DefaultResolution = 15 * time.Second

// maxScrapeBytes bounds one kubelet's answer.
const maxScrapeBytes = 16 << 20

// ScraperConfig is what a Scraper needs; Nodes, Store and Client are
// required.
type ScraperConfig struct {
	Nodes corelisters.NodeLister
	Store *Store
	// Client reaches kubelets over HTTPS with the scraper's client
	// certificate.
	Client *http.Client
	// Resolution is the time between scrapes (DefaultResolution); each
	// scrape of a node times out after it too (at most 10 s).
	Resolution time.Duration
	// Workers bounds the concurrent scrapes (50).
	Workers int
	Now     func() time.Time
	Logger  *slog.Logger
}

// Scraper scrapes every node's kubelet into a Store.
type Scraper struct {
	cfg ScraperConfig
}

// NewScraper checks cfg and fills its defaults.
func NewScraper(cfg ScraperConfig) (*Scraper, error) {
	if cfg.Nodes == nil || cfg.Store == nil || cfg.Client == nil {
		return nil, errors.New("resource metrics scraper: nodes, store and client are required")
	}
	if cfg.Resolution <= 0 {
		cfg.Resolution = DefaultResolution
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 50
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Scraper{cfg: cfg}, nil
}

// Run scrapes all nodes every Resolution until ctx ends.
func (s *Scraper) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Resolution)
	defer t.Stop()
	for {
		s.ScrapeAll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ScrapeAll scrapes every node once and forgets nodes that are gone. A
// node that fails keeps its previous samples; failures are logged once
// per round.
func (s *Scraper) ScrapeAll(ctx context.Context) {
	nodes, err := s.cfg.Nodes.List(labels.Everything())
	if err != nil {
		s.cfg.Logger.Error("resource metrics: list nodes", "err", err)
		return
	}
	keep := make(map[string]bool, len(nodes))
	sem := make(chan struct{}, s.cfg.Workers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed int
	var firstErr error
	for _, n := range nodes {
		keep[n.Name] = true
		url, ok := kubeletURL(n)
		if !ok {
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(name, url string) {
			defer func() { <-sem; wg.Done() }()
			sc, err := s.scrape(ctx, url)
			if err != nil {
				mu.Lock()
				if failed++; firstErr == nil {
					firstErr = fmt.Errorf("node %s: %w", name, err)
				}
				mu.Unlock()
				return
			}
			s.cfg.Store.Apply(name, sc)
		}(n.Name, url)
	}
	wg.Wait()
	s.cfg.Store.Retain(keep)
	if failed > 0 && ctx.Err() == nil {
		s.cfg.Logger.Warn("resource metrics: scrape failed", "nodes", failed, "first", firstErr)
	}
}

// kubeletURL is the node's /metrics/resource address: its InternalIP
// (else ExternalIP) and advertised kubelet port. Nodes without either are
// not scraped.
func kubeletURL(n *corev1.Node) (string, bool) {
	port := n.Status.DaemonEndpoints.KubeletEndpoint.Port
	if port <= 0 {
		return "", false
	}
	for _, kind := range []corev1.NodeAddressType{corev1.NodeInternalIP, corev1.NodeExternalIP} {
		for _, a := range n.Status.Addresses {
			if a.Type == kind && net.ParseIP(a.Address) != nil {
				return "https://" + net.JoinHostPort(a.Address, strconv.Itoa(int(port))) + "/metrics/resource", true
			}
		}
	}
	return "", false
}

func (s *Scraper) scrape(ctx context.Context, url string) (Scrape, error) {
	timeout := min(s.cfg.Resolution, 10*time.Second)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Scrape{}, err
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return Scrape{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return Scrape{}, fmt.Errorf("GET %s: %s: %s", url, resp.Status, body)
	}
	return parseScrape(io.LimitReader(resp.Body, maxScrapeBytes), s.cfg.Now())
}
