package job

import (
	"fmt"
	"strconv"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// indexState is the failure history of one completion index under
// backoffLimitPerIndex, read from the index's pods: each pod carries the
// counts of the failures before it in its annotations.
type indexState struct {
	failures    int32 // failures counted against backoffLimitPerIndex
	ignored     int32 // failures a pod failure policy Ignore rule matched
	lastFailure time.Time
	failIndex   bool // a FailIndex rule matched a failed pod
}

func annotationCount(p *corev1.Pod, key string) int32 {
	n, err := strconv.ParseInt(p.Annotations[key], 10, 32)
	if err != nil || n < 0 {
		return 0
	}
	return int32(n)
}

// indexStates returns the failure history of every index that has pods.
func indexStates(job *batchv1.Job, pods []*corev1.Pod, now time.Time) map[int]*indexState {
	out := map[int]*indexState{}
	for _, p := range pods {
		ix := validIndex(job, p)
		if ix == noIndex {
			continue
		}
		st := out[ix]
		if st == nil {
			st = &indexState{}
			out[ix] = st
		}
		failures := annotationCount(p, batchv1.JobIndexFailureCountAnnotation)
		ignored := annotationCount(p, batchv1.JobIndexIgnoredFailureCountAnnotation)
		if isPodFailed(p, job) {
			m := matchFailurePolicy(job.Spec.PodFailurePolicy, p)
			if m.count {
				failures++
				if t := finishTime(p, now); t.After(st.lastFailure) {
					st.lastFailure = t
				}
			} else {
				ignored++
			}
			if m.action != nil && *m.action == batchv1.PodFailurePolicyActionFailIndex {
				st.failIndex = true
			}
		}
		st.failures = max(st.failures, failures)
		st.ignored = max(st.ignored, ignored)
	}
	return out
}

// failedIndexes returns the indexes that failed for good: those already
// in status.failedIndexes, those a FailIndex rule hit, and those whose
// failures exceed backoffLimitPerIndex.
func failedIndexes(job *batchv1.Job, states map[int]*indexState) []int {
	completions := int(*job.Spec.Completions)
	var prev []int
	if job.Status.FailedIndexes != nil {
		prev = parseIndexes(*job.Status.FailedIndexes, completions)
	}
	var more []int
	for ix, st := range states {
		if st.failIndex || st.failures > *job.Spec.BackoffLimitPerIndex {
			more = append(more, ix)
		}
	}
	return union(prev, more...)
}

// readyIndexes splits indexes into those whose back-off has passed and
// the shortest wait among the others.
func readyIndexes(indexes []int, states map[int]*indexState, now time.Time) (ready []int, wait time.Duration) {
	for _, ix := range indexes {
		st := states[ix]
		if st == nil || st.failures == 0 {
			ready = append(ready, ix)
			continue
		}
		left := st.lastFailure.Add(backoffDelay(int(st.failures))).Sub(now)
		if left <= 0 {
			ready = append(ready, ix)
		} else if wait == 0 || left < wait {
			wait = left
		}
	}
	return ready, wait
}

// withFailureCounts writes the index's failure counts on its next pod.
func withFailureCounts(p *corev1.Pod, st *indexState) {
	if st == nil {
		st = &indexState{}
	}
	p.Annotations[batchv1.JobIndexFailureCountAnnotation] = strconv.Itoa(int(st.failures))
	if st.ignored > 0 {
		p.Annotations[batchv1.JobIndexIgnoredFailureCountAnnotation] = strconv.Itoa(int(st.ignored))
	}
}

// matchSuccessPolicy reports whether a rule of an Indexed Job's success
// policy is met by the succeeded indexes, with upstream's message.
func matchSuccessPolicy(policy *batchv1.SuccessPolicy, completions int, succeeded []int) (string, bool) {
	if policy == nil {
		return "", false
	}
	done := map[int]bool{}
	for _, ix := range succeeded {
		done[ix] = true
	}
	for i, rule := range policy.Rules {
		var n int32
		if rule.SucceededIndexes != nil {
			want := parseIndexes(*rule.SucceededIndexes, completions)
			for _, ix := range want {
				if done[ix] {
					n++
				}
			}
			if rule.SucceededCount == nil && int(n) == len(want) && len(want) > 0 {
				return fmt.Sprintf("Matched rules at index %d", i), true
			}
		} else {
			n = int32(len(succeeded))
		}
		if rule.SucceededCount != nil && n >= *rule.SucceededCount {
			return fmt.Sprintf("Matched rules at index %d", i), true
		}
	}
	return "", false
}
