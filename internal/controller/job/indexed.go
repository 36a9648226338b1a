package job

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// completionIndexEnv is the variable Indexed Jobs' containers read their
// index from, as upstream.
const completionIndexEnv = "JOB_COMPLETION_INDEX"

// noIndex is the index of a pod without a valid completion index.
const noIndex = -1

func isIndexed(job *batchv1.Job) bool {
	return job.Spec.CompletionMode != nil && *job.Spec.CompletionMode == batchv1.IndexedCompletion
}

// completionIndex is the index in a pod's completion index annotation, or
// noIndex.
func completionIndex(p *corev1.Pod) int {
	v, ok := p.Annotations[batchv1.JobCompletionIndexAnnotation]
	if !ok {
		return noIndex
	}
	ix, err := strconv.Atoi(v)
	if err != nil || ix < 0 {
		return noIndex
	}
	return ix
}

// validIndex returns the completion index of p when it is within
// [0, completions), else noIndex.
func validIndex(job *batchv1.Job, p *corev1.Pod) int {
	ix := completionIndex(p)
	if ix == noIndex || job.Spec.Completions == nil || ix >= int(*job.Spec.Completions) {
		return noIndex
	}
	return ix
}

// parseIndexes reads an index list such as "1,3-5,7" (the format of
// status.completedIndexes), keeping the indexes below limit; the result
// is sorted and unique. Malformed parts are skipped.
func parseIndexes(s string, limit int) []int {
	var out []int
	for _, part := range strings.Split(s, ",") {
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		first, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		last := first
		if isRange {
			if last, err = strconv.Atoi(hi); err != nil {
				continue
			}
		}
		for ix := first; ix <= last && ix < limit; ix++ {
			out = append(out, ix)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// formatIndexes writes sorted unique indexes as upstream does: runs of
// consecutive indexes as "first-last", joined by commas.
func formatIndexes(ix []int) string {
	var b strings.Builder
	for i := 0; i < len(ix); {
		j := i
		for j+1 < len(ix) && ix[j+1] == ix[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		if j == i {
			fmt.Fprintf(&b, "%d", ix[i])
		} else {
			fmt.Fprintf(&b, "%d-%d", ix[i], ix[j])
		}
		i = j + 1
	}
	return b.String()
}

// union returns the sorted unique union of sorted index lists.
func union(a []int, more ...int) []int {
	out := append(slices.Clone(a), more...)
	slices.Sort(out)
	return slices.Compact(out)
}

// pendingIndexes returns up to n indexes below completions, lowest first,
// that are neither succeeded, failed, nor held by an active pod.
func pendingIndexes(completions, n int, succeeded, failed []int, active []*corev1.Pod) []int {
	taken := map[int]bool{}
	for _, ix := range succeeded {
		taken[ix] = true
	}
	for _, ix := range failed {
		taken[ix] = true
	}
	for _, p := range active {
		if ix := completionIndex(p); ix != noIndex {
			taken[ix] = true
		}
	}
	var out []int
	for ix := 0; ix < completions && len(out) < n; ix++ {
		if !taken[ix] {
			out = append(out, ix)
		}
	}
	return out
}

// surplusIndexed returns the active pods an Indexed Job must remove: pods
// without a valid index, pods of a succeeded or failed index, and all but
// one pod of a duplicated index.
func surplusIndexed(job *batchv1.Job, active []*corev1.Pod, succeeded, failed []int) []*corev1.Pod {
	done := map[int]bool{}
	for _, ix := range succeeded {
		done[ix] = true
	}
	for _, ix := range failed {
		done[ix] = true
	}
	seen := map[int]bool{}
	var out []*corev1.Pod
	for _, p := range active {
		ix := validIndex(job, p)
		if ix == noIndex || done[ix] || seen[ix] {
			out = append(out, p)
			continue
		}
		seen[ix] = true
	}
	return out
}

// withIndex decorates a pod of an Indexed Job with its completion index:
// the annotation and label, the hostname <job>-<index>, and the
// JOB_COMPLETION_INDEX variable in every container.
func withIndex(job *batchv1.Job, p *corev1.Pod, ix int) {
	v := strconv.Itoa(ix)
	if p.Annotations == nil {
		p.Annotations = map[string]string{}
	}
	if p.Labels == nil {
		p.Labels = map[string]string{}
	}
	p.Annotations[batchv1.JobCompletionIndexAnnotation] = v
	p.Labels[batchv1.JobCompletionIndexAnnotation] = v
	p.Spec.Hostname = fmt.Sprintf("%s-%d", job.Name, ix)
	p.GenerateName = fmt.Sprintf("%s-%d-", job.Name, ix)
	env := corev1.EnvVar{Name: completionIndexEnv, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{
		FieldPath: fmt.Sprintf("metadata.annotations['%s']", batchv1.JobCompletionIndexAnnotation)}}}
	for _, cs := range [][]corev1.Container{p.Spec.InitContainers, p.Spec.Containers} {
		for i := range cs {
			if !slices.ContainsFunc(cs[i].Env, func(e corev1.EnvVar) bool { return e.Name == completionIndexEnv }) {
				cs[i].Env = append(cs[i].Env, env)
			}
		}
	}
}
