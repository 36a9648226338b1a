package audit

import (
	"fmt"
	"os"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"
)

// Level is how much of a request an event records.
type Level string

// Levels, from least to most.
const (
	LevelNone            Level = "None"
	LevelMetadata        Level = "Metadata"
	LevelRequest         Level = "Request"
	LevelRequestResponse Level = "RequestResponse"
)

// Less reports whether l records less than o.
func (l Level) Less(o Level) bool { return levelRank[l] < levelRank[o] }

var levelRank = map[Level]int{LevelNone: 0, LevelMetadata: 1, LevelRequest: 2, LevelRequestResponse: 3}

// Stage is a point in a request's life at which an event is written.
type Stage string

// Stages, as upstream. Skiff writes RequestReceived and ResponseComplete.
const (
	StageRequestReceived  Stage = "RequestReceived"
	StageResponseStarted  Stage = "ResponseStarted"
	StageResponseComplete Stage = "ResponseComplete"
	StagePanic            Stage = "Panic"
)

// Policy is upstream's audit.k8s.io/v1 Policy.
type Policy struct {
	Kind       string         `json:"kind"`
	APIVersion string         `json:"apiVersion"`
	Metadata   map[string]any `json:"metadata,omitempty"`
	// Rules are tried in order; the first match decides.
	Rules             []PolicyRule `json:"rules"`
	OmitStages        []Stage      `json:"omitStages,omitempty"`
	OmitManagedFields bool         `json:"omitManagedFields,omitempty"`
}

// PolicyRule matches requests; every non-empty list must match.
type PolicyRule struct {
	Level           Level            `json:"level"`
	Users           []string         `json:"users,omitempty"`
	UserGroups      []string         `json:"userGroups,omitempty"`
	Verbs           []string         `json:"verbs,omitempty"`
	Resources       []GroupResources `json:"resources,omitempty"`
	Namespaces      []string         `json:"namespaces,omitempty"`
	NonResourceURLs []string         `json:"nonResourceURLs,omitempty"`
	OmitStages      []Stage          `json:"omitStages,omitempty"`
	// OmitManagedFields overrides the policy's value when set.
	OmitManagedFields *bool `json:"omitManagedFields,omitempty"`
}

// GroupResources names resources of one API group ("" is core).
type GroupResources struct {
	Group         string   `json:"group,omitempty"`
	Resources     []string `json:"resources,omitempty"`
	ResourceNames []string `json:"resourceNames,omitempty"`
}

// LoadPolicy reads and validates a policy file.
func LoadPolicy(path string) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit policy: %w", err)
	}
	p, err := ParsePolicy(data)
	if err != nil {
		return nil, fmt.Errorf("audit policy %s: %w", path, err)
	}
	return p, nil
}

// ParsePolicy decodes (strictly) and validates a policy; errors name the
// offending field.
func ParsePolicy(data []byte) (*Policy, error) {
	var p Policy
	if err := yaml.UnmarshalStrict(data, &p); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if errs := p.validate(); len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	return &p, nil
}

var (
	validLevels = []string{string(LevelNone), string(LevelMetadata), string(LevelRequest), string(LevelRequestResponse)}
	validStages = []string{string(StageRequestReceived), string(StageResponseStarted), string(StageResponseComplete), string(StagePanic)}
)

func (p *Policy) validate() field.ErrorList {
	var errs field.ErrorList
	if p.Kind != "Policy" {
		errs = append(errs, field.Invalid(field.NewPath("kind"), p.Kind, "must be Policy"))
	}
	if p.APIVersion != "audit.k8s.io/v1" {
		errs = append(errs, field.Invalid(field.NewPath("apiVersion"), p.APIVersion, "must be audit.k8s.io/v1"))
	}
	errs = append(errs, validateStages(field.NewPath("omitStages"), p.OmitStages)...)
	for i, r := range p.Rules {
		errs = append(errs, r.validate(field.NewPath("rules").Index(i))...)
	}
	return errs
}

func (r *PolicyRule) validate(p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if _, ok := levelRank[r.Level]; !ok {
		errs = append(errs, field.NotSupported(p.Child("level"), r.Level, validLevels))
	}
	errs = append(errs, validateStages(p.Child("omitStages"), r.OmitStages)...)
	if len(r.NonResourceURLs) > 0 && (len(r.Resources) > 0 || len(r.Namespaces) > 0) {
		errs = append(errs, field.Invalid(p.Child("nonResourceURLs"), r.NonResourceURLs, "rules cannot apply to both regular resources and non-resource URLs"))
	}
	for i, u := range r.NonResourceURLs {
		star := strings.Index(u, "*")
		switch {
		case u == "*":
		case !strings.HasPrefix(u, "/"):
			errs = append(errs, field.Invalid(p.Child("nonResourceURLs").Index(i), u, "non-resource URL rules must begin with a '/' character"))
		case star >= 0 && star != len(u)-1:
			errs = append(errs, field.Invalid(p.Child("nonResourceURLs").Index(i), u, "non-resource URL wildcards ('*') must be the final character of the rule"))
		}
	}
	for i, gr := range r.Resources {
		gp := p.Child("resources").Index(i)
		if len(gr.ResourceNames) > 0 && len(gr.Resources) == 0 {
			errs = append(errs, field.Invalid(gp.Child("resourceNames"), gr.ResourceNames, "using resourceNames requires at least one resource"))
		}
		for j, res := range gr.Resources {
			if strings.Contains(res, "*") && len(gr.ResourceNames) > 0 {
				errs = append(errs, field.Invalid(gp.Child("resources").Index(j), res, "using resourceNames with wildcarded resources is not supported"))
			}
		}
	}
	return errs
}

func validateStages(p *field.Path, stages []Stage) field.ErrorList {
	var errs field.ErrorList
	for i, s := range stages {
		ok := false
		for _, v := range validStages {
			ok = ok || string(s) == v
		}
		if !ok {
			errs = append(errs, field.NotSupported(p.Index(i), s, validStages))
		}
	}
	return errs
}
