package framework

import (
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// AffinityTerm is a parsed PodAffinityTerm: the pods it selects are those
// in Namespaces (or in a namespace whose labels NamespaceSelector
// matches; nil when the term has none) whose labels Selector matches.
type AffinityTerm struct {
	Namespaces        map[string]bool
	NamespaceSelector labels.Selector
	Selector          labels.Selector
	TopologyKey       string
}

// WeightedAffinityTerm is a preferred term and its weight.
type WeightedAffinityTerm struct {
	AffinityTerm
	Weight int32
}

// Matches reports whether pod (whose namespace carries nsLabels) is
// selected by t.
func (t *AffinityTerm) Matches(pod *v1.Pod, nsLabels labels.Set) bool {
	if t.Namespaces[pod.Namespace] || (t.NamespaceSelector != nil && t.NamespaceSelector.Matches(nsLabels)) {
		return t.Selector.Matches(labels.Set(pod.Labels))
	}
	return false
}

// newAffinityTerm parses term as written in pod: no namespaces and no
// namespaceSelector mean the pod's own namespace. The label selector is
// taken as stored: the API server merged matchLabelKeys and
// mismatchLabelKeys into it when the pod was created, with the pod's label
// values then, and upstream's scheduler reads the selector alone too
// (pkg/scheduler/framework/types.go newAffinityTerm), so a label changed
// later does not change what the term selects.
func newAffinityTerm(pod *v1.Pod, term *v1.PodAffinityTerm) (AffinityTerm, error) {
	sel, err := metav1.LabelSelectorAsSelector(term.LabelSelector)
	if err != nil {
		return AffinityTerm{}, err
	}
	t := AffinityTerm{Namespaces: map[string]bool{}, Selector: sel, TopologyKey: term.TopologyKey}
	for _, ns := range term.Namespaces {
		t.Namespaces[ns] = true
	}
	if term.NamespaceSelector != nil {
		if t.NamespaceSelector, err = metav1.LabelSelectorAsSelector(term.NamespaceSelector); err != nil {
			return AffinityTerm{}, err
		}
	} else if len(term.Namespaces) == 0 {
		t.Namespaces[pod.Namespace] = true
	}
	return t, nil
}

func newAffinityTerms(pod *v1.Pod, terms []v1.PodAffinityTerm) ([]AffinityTerm, error) {
	var out []AffinityTerm
	for i := range terms {
		t, err := newAffinityTerm(pod, &terms[i])
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func newWeightedAffinityTerms(pod *v1.Pod, terms []v1.WeightedPodAffinityTerm) ([]WeightedAffinityTerm, error) {
	var out []WeightedAffinityTerm
	for i := range terms {
		t, err := newAffinityTerm(pod, &terms[i].PodAffinityTerm)
		if err != nil {
			return nil, err
		}
		out = append(out, WeightedAffinityTerm{AffinityTerm: t, Weight: terms[i].Weight})
	}
	return out, nil
}

// parseAffinity fills pi's affinity terms from its pod; a term that does
// not parse is recorded in ParseError.
func (pi *PodInfo) parseAffinity() {
	a := pi.Pod.Spec.Affinity
	if a == nil {
		return
	}
	var errs []error
	keep := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	var err error
	if pa := a.PodAffinity; pa != nil {
		pi.RequiredAffinityTerms, err = newAffinityTerms(pi.Pod, pa.RequiredDuringSchedulingIgnoredDuringExecution)
		keep(err)
		pi.PreferredAffinityTerms, err = newWeightedAffinityTerms(pi.Pod, pa.PreferredDuringSchedulingIgnoredDuringExecution)
		keep(err)
	}
	if pa := a.PodAntiAffinity; pa != nil {
		pi.RequiredAntiAffinityTerms, err = newAffinityTerms(pi.Pod, pa.RequiredDuringSchedulingIgnoredDuringExecution)
		keep(err)
		pi.PreferredAntiAffinityTerms, err = newWeightedAffinityTerms(pi.Pod, pa.PreferredDuringSchedulingIgnoredDuringExecution)
		keep(err)
	}
	if len(errs) > 0 {
		pi.ParseError = errs[0]
	}
}
