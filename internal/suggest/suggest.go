// Package suggest finds the known name a misspelt one most likely meant, so that an error about
// an unknown key can say "did you mean ...". It is the one home of that concept: parameter names,
// manifest keys and anything else a person types use it.
package suggest

import "strconv"

// Closest returns the name in known nearest to name by edit distance (insertions, deletions,
// substitutions and swaps of two neighbouring characters each count 1), or "" when none is near
// enough to be a plausible typo: at most one edit per three characters of name, and at least one.
// Ties go to the earlier name in known.
func Closest(name string, known []string) string {
	limit := min(3, max(1, len(name)/3))
	best, bestD := "", limit+1
	for _, k := range known {
		if k == name {
			return k
		}
		if d := distance(name, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// DidYouMean is `; did you mean "closest"?` for Closest's answer, or "" when there is none.
func DidYouMean(name string, known []string) string {
	c := Closest(name, known)
	if c == "" || c == name {
		return ""
	}
	return "; did you mean " + strconv.Quote(c) + "?"
}

// distance is the optimal string alignment distance between a and b (bytes).
func distance(a, b string) int {
	// Three rows of the dynamic programme: two back (for swaps), one back, current.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
