package apiserver

import (
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
)

// templateGeneration reads a DaemonSet's
// deprecated.daemonset.template.generation annotation, where apps/v1
// shows upstream's internal spec.templateGeneration: 0 when it is absent
// or no number.
func templateGeneration(ds *appsv1.DaemonSet) int64 {
	g, err := strconv.ParseInt(ds.Annotations[appsv1.DeprecatedTemplateGeneration], 10, 64)
	if err != nil {
		return 0
	}
	return g
}

// setTemplateGeneration writes g to ds's template generation annotation.
func setTemplateGeneration(ds *appsv1.DaemonSet, g int64) {
	if ds.Annotations == nil {
		ds.Annotations = map[string]string{}
	}
	ds.Annotations[appsv1.DeprecatedTemplateGeneration] = strconv.FormatInt(g, 10)
}

// stampTemplateGeneration keeps a DaemonSet's template generation as
// upstream's daemonset strategy keeps spec.templateGeneration: a new
// DaemonSet starts at the client's value or 1, an update keeps the stored
// value and adds one when it changes the pod template, and a status
// update keeps the stored value. old is nil on create; on update obj
// has its defaults (stampGenerations).
func stampTemplateGeneration(obj, old runtime.Object, sub string) {
	ds, ok := obj.(*appsv1.DaemonSet)
	if !ok {
		return
	}
	if old == nil {
		setTemplateGeneration(ds, max(templateGeneration(ds), 1))
		return
	}
	was := old.(*appsv1.DaemonSet)
	g := templateGeneration(was)
	if sub == "" && !equality.Semantic.DeepEqual(ds.Spec.Template, was.Spec.Template) {
		g++
	}
	setTemplateGeneration(ds, g)
}
