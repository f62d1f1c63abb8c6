package job

import (
	"sort"
	"strconv"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// indexSet is a set of completion indexes.
type indexSet map[int]bool

// parseIndexes reads the interval format of status.completedIndexes
// ("1,3-5,7"), keeping indexes below completions.
func parseIndexes(s string, completions int) indexSet {
	out := indexSet{}
	if s == "" {
		return out
	}
	for _, part := range strings.Split(s, ",") {
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
		for i := first; i <= last && i < completions; i++ {
			if i >= 0 {
				out[i] = true
			}
		}
	}
	return out
}

// String writes the set in the interval format, as upstream.
func (s indexSet) String() string {
	ix := s.sorted()
	var b strings.Builder
	for i := 0; i < len(ix); {
		j := i
		for j+1 < len(ix) && ix[j+1] == ix[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(ix[i]))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(ix[j]))
		}
		i = j + 1
	}
	return b.String()
}

func (s indexSet) sorted() []int {
	out := make([]int, 0, len(s))
	for i := range s {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}

const unknownIndex = -1

// completionIndex is a pod's completion index from its annotation.
func completionIndex(p *corev1.Pod) int {
	v, ok := p.Annotations[batchv1.JobCompletionIndexAnnotation]
	if !ok {
		return unknownIndex
	}
	i, err := strconv.Atoi(v)
	if err != nil || i < 0 {
		return unknownIndex
	}
	return i
}

// matchSuccessPolicy reports whether a rule of an Indexed Job's
// successPolicy holds, with upstream's condition message.
func matchSuccessPolicy(p *batchv1.SuccessPolicy, completions int, succeeded indexSet) (string, bool) {
	if p == nil || len(succeeded) == 0 {
		return "", false
	}
	for i, rule := range p.Rules {
		if rule.SucceededIndexes != nil {
			required := parseIndexes(*rule.SucceededIndexes, completions)
			if len(required) == 0 {
				continue
			}
			have := 0
			for ix := range required {
				if succeeded[ix] {
					have++
				}
			}
			if (rule.SucceededCount == nil && have == len(required)) || (rule.SucceededCount != nil && have >= int(*rule.SucceededCount)) {
				return "Matched rules at index " + strconv.Itoa(i), true
			}
		} else if rule.SucceededCount != nil && len(succeeded) >= int(*rule.SucceededCount) {
			return "Matched rules at index " + strconv.Itoa(i), true
		}
	}
	return "", false
}
