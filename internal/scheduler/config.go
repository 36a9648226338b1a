package scheduler

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/skiff-dev/skiff/internal/scheduler/framework"

	"sigs.k8s.io/yaml"
)

// DefaultSchedulerName is the profile pods get when they name none.
const DefaultSchedulerName = "default-scheduler"

// Configuration is the subset of upstream's KubeSchedulerConfiguration
// (kubescheduler.config.k8s.io/v1) Skiff reads. Every field is honoured
// (config_fields.go validates and defaults them); any other field is an
// error.
type Configuration struct {
	APIVersion       string                  `json:"apiVersion"`
	Kind             string                  `json:"kind"`
	LeaderElection   *LeaderElectionConfig   `json:"leaderElection,omitempty"`
	ClientConnection *ClientConnectionConfig `json:"clientConnection,omitempty"`
	Parallelism      int32                   `json:"parallelism,omitempty"`
	Profiles         []KubeSchedulerProfile  `json:"profiles,omitempty"`
	// PercentageOfNodesToScore is nil or 0 for upstream's adaptive default.
	PercentageOfNodesToScore *int32 `json:"percentageOfNodesToScore,omitempty"`
	PodInitialBackoffSeconds *int64 `json:"podInitialBackoffSeconds,omitempty"`
	PodMaxBackoffSeconds     *int64 `json:"podMaxBackoffSeconds,omitempty"`
}

// KubeSchedulerProfile is one profile in the file.
type KubeSchedulerProfile struct {
	SchedulerName string   `json:"schedulerName,omitempty"`
	Plugins       *Plugins `json:"plugins,omitempty"`
	// PercentageOfNodesToScore overrides the global one for this profile.
	PercentageOfNodesToScore *int32         `json:"percentageOfNodesToScore,omitempty"`
	PluginConfig             []PluginConfig `json:"pluginConfig,omitempty"`
}

// Plugins are the extension points Skiff configures per profile.
type Plugins struct {
	QueueSort  PluginSet `json:"queueSort,omitempty"`
	PreFilter  PluginSet `json:"preFilter,omitempty"`
	Filter     PluginSet `json:"filter,omitempty"`
	PostFilter PluginSet `json:"postFilter,omitempty"`
	PreScore   PluginSet `json:"preScore,omitempty"`
	Score      PluginSet `json:"score,omitempty"`
	Reserve    PluginSet `json:"reserve,omitempty"`
	Permit     PluginSet `json:"permit,omitempty"`
	PreBind    PluginSet `json:"preBind,omitempty"`
	Bind       PluginSet `json:"bind,omitempty"`
	PostBind   PluginSet `json:"postBind,omitempty"`
	MultiPoint PluginSet `json:"multiPoint,omitempty"`
}

// PluginSet enables and disables plugins at one extension point; "*" in
// disabled drops every default.
type PluginSet struct {
	Enabled  []PluginRef `json:"enabled,omitempty"`
	Disabled []PluginRef `json:"disabled,omitempty"`
}

// LoadConfig reads and validates a configuration file; errors name the
// offending field.
func LoadConfig(path string) (*Configuration, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("scheduler config %s: %w", path, err)
	}
	return cfg, nil
}

// ParseConfig decodes YAML or JSON strictly (unknown fields are errors)
// and validates it.
func ParseConfig(data []byte) (*Configuration, error) {
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	var cfg Configuration
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return &cfg, cfg.validate(NewRegistry())
}

// validate fills defaults and rejects what Skiff cannot run, naming the
// field as upstream's validation does.
func (c *Configuration) validate(reg framework.Registry) error {
	if c.APIVersion != "kubescheduler.config.k8s.io/v1" {
		return fmt.Errorf("apiVersion: Unsupported value: %q: supported values: \"kubescheduler.config.k8s.io/v1\"", c.APIVersion)
	}
	if c.Kind != "KubeSchedulerConfiguration" {
		return fmt.Errorf("kind: Unsupported value: %q: supported values: \"KubeSchedulerConfiguration\"", c.Kind)
	}
	if err := c.validateFields(); err != nil {
		return err
	}
	if len(c.Profiles) == 0 {
		c.Profiles = []KubeSchedulerProfile{{SchedulerName: DefaultSchedulerName}}
	}
	seen := map[string]bool{}
	for i := range c.Profiles {
		p := &c.Profiles[i]
		if p.SchedulerName == "" {
			p.SchedulerName = DefaultSchedulerName
		}
		if seen[p.SchedulerName] {
			return fmt.Errorf("profiles[%d].schedulerName: Duplicate value: %q", i, p.SchedulerName)
		}
		seen[p.SchedulerName] = true
		if err := decodePluginConfig(i, p.PluginConfig, reg, NewArgsRegistry()); err != nil {
			return err
		}
		if err := validatePercentage(fmt.Sprintf("profiles[%d].percentageOfNodesToScore", i), p.PercentageOfNodesToScore); err != nil {
			return err
		}
		if p.Plugins == nil {
			continue
		}
		for point, set := range p.Plugins.sets() {
			if err := set.validate(fmt.Sprintf("profiles[%d].plugins.%s", i, point), reg); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *Plugins) sets() map[string]PluginSet {
	return map[string]PluginSet{
		"queueSort": p.QueueSort, "preFilter": p.PreFilter, "filter": p.Filter, "postFilter": p.PostFilter,
		"preScore": p.PreScore, "score": p.Score, "reserve": p.Reserve, "permit": p.Permit,
		"preBind": p.PreBind, "bind": p.Bind, "postBind": p.PostBind, "multiPoint": p.MultiPoint,
	}
}

func (s PluginSet) validate(path string, reg framework.Registry) error {
	for j, e := range s.Enabled {
		if _, ok := reg[e.Name]; !ok {
			return fmt.Errorf("%s.enabled[%d].name: Unsupported value: %q: no such plugin", path, j, e.Name)
		}
		if e.Weight < 0 {
			return fmt.Errorf("%s.enabled[%d].weight: Invalid value: %d: must be non-negative", path, j, e.Weight)
		}
	}
	for j, d := range s.Disabled {
		if _, ok := reg[d.Name]; !ok && d.Name != "*" {
			return fmt.Errorf("%s.disabled[%d].name: Unsupported value: %q: no such plugin", path, j, d.Name)
		}
	}
	return nil
}
