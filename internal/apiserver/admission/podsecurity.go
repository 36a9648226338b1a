package admission

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"

	"github.com/skiff-dev/skiff/internal/apis/podspec"
	"github.com/skiff-dev/skiff/internal/apiserver/audit"
)

// Pod Security Standards levels and the namespace labels that pick them.
const (
	LevelPrivileged = "privileged"
	LevelBaseline   = "baseline"
	LevelRestricted = "restricted"

	labelPrefix = "pod-security.kubernetes.io/"

	auditViolationsAnnotation = "pod-security.kubernetes.io/audit-violations"
)

// PodSecurity applies the Pod Security Standards, as upstream's
// pod-security-admission: the namespace labels
// pod-security.kubernetes.io/{enforce,audit,warn}[-version] pick a level
// (privileged, baseline, restricted) per mode. A pod that violates the
// enforce level is refused (403 `violates PodSecurity "level:version":
// ...`); one that violates the warn level is admitted with a Warning
// (`would violate PodSecurity ...`). Workload templates (Deployments,
// Jobs, ...) only ever get warnings, for the enforce and warn levels, as
// upstream. A pod or template that violates the audit level is admitted
// and its audit event carries the annotation
// pod-security.kubernetes.io/audit-violations (`would violate PodSecurity
// ...`), as upstream. The
// checks are those of the latest policy version whatever version a label
// names; the version is only reported.
type PodSecurity struct {
	store Store
}

var _ Validator = (*PodSecurity)(nil)

// Name is upstream's plugin name.
func (*PodSecurity) Name() string { return "PodSecurity" }

// policy is one mode's level and version.
type policy struct {
	level, version string
}

func (p policy) String() string { return p.level + ":" + p.version }

// policyFor reads a mode's labels; a missing label is privileged:latest
// and an invalid one restricted:latest, as upstream.
func policyFor(labels map[string]string, mode string) policy {
	p := policy{level: LevelPrivileged, version: "latest"}
	if l, ok := labels[labelPrefix+mode]; ok {
		switch l {
		case LevelPrivileged, LevelBaseline, LevelRestricted:
			p.level = l
		default:
			return policy{level: LevelRestricted, version: "latest"}
		}
	}
	if v, ok := labels[labelPrefix+mode+"-version"]; ok && v != "" {
		if v != "latest" && !strings.HasPrefix(v, "v1.") {
			return policy{level: LevelRestricted, version: "latest"}
		}
		p.version = v
	}
	return p
}

// Validate evaluates pods and pod templates against the namespace's levels.
func (p *PodSecurity) Validate(ctx context.Context, a *Attributes) (func(), error) {
	if a.Namespace == "" || (a.Subresource != "" && a.Subresource != "ephemeralcontainers") {
		return noop, nil
	}
	spec, meta, _ := podspec.Of(a.Object)
	_, isPod := a.Object.(*corev1.Pod)
	if spec == nil || !p.changed(a) {
		return noop, nil
	}
	got, err := p.store.Get(ctx, namespacesGR, "", a.Namespace)
	if err != nil {
		return noop, nil // NamespaceLifecycle reports a missing namespace
	}
	labels := got.(*corev1.Namespace).Labels
	enforce, warnP := policyFor(labels, "enforce"), policyFor(labels, "warn")
	if auditP := policyFor(labels, "audit"); auditP.level != LevelPrivileged {
		if v := Evaluate(auditP.level, meta.Annotations, spec); len(v) > 0 {
			audit.AddAnnotation(ctx, auditViolationsAnnotation, fmt.Sprintf("would violate PodSecurity %q: %s", auditP.String(), v))
		}
	}
	if enforce.level != LevelPrivileged {
		if v := Evaluate(enforce.level, meta.Annotations, spec); len(v) > 0 {
			if isPod {
				return noop, forbidden(a, fmt.Errorf("violates PodSecurity %q: %s", enforce.String(), v))
			}
			warn(ctx, fmt.Sprintf("would violate PodSecurity %q: %s", enforce.String(), v))
			if warnP == enforce {
				return noop, nil
			}
		}
	}
	if warnP.level != LevelPrivileged {
		if v := Evaluate(warnP.level, meta.Annotations, spec); len(v) > 0 {
			warn(ctx, fmt.Sprintf("would violate PodSecurity %q: %s", warnP.String(), v))
		}
	}
	return noop, nil
}

// changed reports that the write is a create or changes the pod spec.
func (p *PodSecurity) changed(a *Attributes) bool {
	if a.Operation == Create || a.OldObject == nil {
		return true
	}
	spec, _, _ := podspec.Of(a.Object)
	old, _, _ := podspec.Of(a.OldObject)
	return old == nil || !equality.Semantic.DeepEqual(spec, old)
}

// Violations are the failed checks of one evaluation, in check order.
type Violations []Violation

// Violation is one failed check: upstream's forbidden reason and detail.
type Violation struct {
	Reason, Detail string
}

// String renders violations as upstream: `reason (detail), reason`.
func (vs Violations) String() string {
	parts := make([]string, 0, len(vs))
	for _, v := range vs {
		if v.Detail == "" {
			parts = append(parts, v.Reason)
		} else {
			parts = append(parts, v.Reason+" ("+v.Detail+")")
		}
	}
	return strings.Join(parts, ", ")
}

// Evaluate runs the checks of level on a pod spec and its annotations.
func Evaluate(level string, annotations map[string]string, spec *corev1.PodSpec) Violations {
	var out Violations
	for _, c := range checksFor(level) {
		if v := c.check(annotations, spec); v != nil {
			out = append(out, *v)
		}
	}
	return out
}
