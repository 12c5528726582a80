package eval

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/ssmde/ssmde/msgs"
)

// Rigid-transform helpers on Pose (p' = R·p + T, R row-major).

// IdentityPose moves nothing.
func IdentityPose() Pose { return Pose{R: [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}} }

// Mul returns a∘b: apply b, then a.
func (a Pose) Mul(b Pose) Pose {
	var out Pose
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			out.R[3*i+j] = a.R[3*i]*b.R[j] + a.R[3*i+1]*b.R[3+j] + a.R[3*i+2]*b.R[6+j]
		}
		out.T[i] = a.R[3*i]*b.T[0] + a.R[3*i+1]*b.T[1] + a.R[3*i+2]*b.T[2] + a.T[i]
	}
	return out
}

// Inverse returns the inverse transform.
func (a Pose) Inverse() Pose { return relative(a, IdentityPose()) }

// Apply transforms a point.
func (a Pose) Apply(p [3]float64) [3]float64 {
	return [3]float64{
		a.R[0]*p[0] + a.R[1]*p[1] + a.R[2]*p[2] + a.T[0],
		a.R[3]*p[0] + a.R[4]*p[1] + a.R[5]*p[2] + a.T[1],
		a.R[6]*p[0] + a.R[7]*p[1] + a.R[8]*p[2] + a.T[2],
	}
}

// ParseTransform reads "x y z qx qy qz qw" (spaces and/or commas): a translation and a rotation
// quaternion, as tf2's static_transform_publisher takes them, into the transform that maps
// points of the child frame into the parent frame (the child's pose in the parent).
func ParseTransform(s string) (Pose, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' })
	if len(fields) != 7 {
		return Pose{}, fmt.Errorf("transform %q: want 7 numbers \"x y z qx qy qz qw\", got %d", s, len(fields))
	}
	var v [7]float64
	for i, f := range fields {
		x, err := strconv.ParseFloat(f, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return Pose{}, fmt.Errorf("transform %q: %q is not a finite number", s, f)
		}
		v[i] = x
	}
	if n := math.Sqrt(v[3]*v[3] + v[4]*v[4] + v[5]*v[5] + v[6]*v[6]); math.Abs(n-1) > 1e-2 {
		return Pose{}, fmt.Errorf("transform %q: quaternion (%g %g %g %g) has norm %.4g, want 1", s, v[3], v[4], v[5], v[6], n)
	}
	return poseOf(msgs.Pose{Position: msgs.Point{X: v[0], Y: v[1], Z: v[2]},
		Orientation: msgs.Quaternion{X: v[3], Y: v[4], Z: v[5], W: v[6]}}), nil
}

// tfSample is one stamped transform of a frame in its parent.
type tfSample struct {
	stamp int64
	q     [4]float64 // x y z w, unit
	t     [3]float64
}

func (s tfSample) pose() Pose {
	return poseOf(msgs.Pose{Position: msgs.Point{X: s.t[0], Y: s.t[1], Z: s.t[2]},
		Orientation: msgs.Quaternion{X: s.q[0], Y: s.q[1], Z: s.q[2], W: s.q[3]}})
}

// tfEdge is a frame's link to its parent: fixed (/tf_static) or a time series (/tf).
type tfEdge struct {
	parent  string
	static  *tfSample
	samples []tfSample // sorted by stamp; when not empty they win over static
}

// TFTree is the transform tree of a recording's /tf_static and /tf: each frame's parent and its
// pose in that parent, fixed or stamped. A frame has one parent (the latest message naming it as
// a child decides). Frame names are compared without a leading "/" (ROS 1 tf used one).
type TFTree struct {
	edges map[string]*tfEdge // by child frame
}

// ErrTFTime says a transform exists but not near the requested time.
var ErrTFTime = errors.New("no transform near that time")

// NewTFTree returns an empty tree.
func NewTFTree() *TFTree { return &TFTree{edges: map[string]*tfEdge{}} }

func frameName(f string) string { return strings.TrimPrefix(strings.TrimSpace(f), "/") }

// Add files the transforms of one /tf (static false) or /tf_static (static true) message.
func (t *TFTree) Add(m *msgs.TFMessage, static bool) {
	for _, ts := range m.Transforms {
		child, parent := frameName(ts.ChildFrameID), frameName(ts.Header.FrameID)
		if child == "" || parent == "" || child == parent {
			continue
		}
		r := ts.Transform.Rotation
		q := [4]float64{r.X, r.Y, r.Z, r.W}
		n := math.Sqrt(q[0]*q[0] + q[1]*q[1] + q[2]*q[2] + q[3]*q[3])
		if !(n > 1e-9) || math.IsInf(n, 0) {
			continue
		}
		for i := range q {
			q[i] /= n
		}
		tr := ts.Transform.Translation
		s := tfSample{stamp: ts.Header.Stamp.Nanos(), q: q, t: [3]float64{tr.X, tr.Y, tr.Z}}
		if math.IsNaN(s.t[0]+s.t[1]+s.t[2]) || math.IsInf(s.t[0]+s.t[1]+s.t[2], 0) {
			continue
		}
		e := t.edges[child]
		if e == nil || e.parent != parent {
			e = &tfEdge{parent: parent}
			t.edges[child] = e
		}
		if static {
			e.static = &s
			continue
		}
		i := sort.Search(len(e.samples), func(i int) bool { return e.samples[i].stamp >= s.stamp })
		switch {
		case i < len(e.samples) && e.samples[i].stamp == s.stamp:
			e.samples[i] = s
		case i == len(e.samples):
			e.samples = append(e.samples, s)
		default:
			e.samples = append(e.samples, tfSample{})
			copy(e.samples[i+1:], e.samples[i:])
			e.samples[i] = s
		}
	}
}

// Parent is the frame's parent, if the tree knows the frame as a child.
func (t *TFTree) Parent(frame string) (string, bool) {
	e, ok := t.edges[frameName(frame)]
	if !ok {
		return "", false
	}
	return e.parent, true
}

// Fixed reports whether the frames are linked only by fixed (/tf_static) transforms, so that one's
// pose in the other never changes. Frames that are not linked are not fixed.
func (t *TFTree) Fixed(a, b string) bool {
	a, b = frameName(a), frameName(b)
	up, down := t.chain(a), t.chain(b)
	onUp := map[string]int{}
	for i, f := range up {
		onUp[f] = i
	}
	for j, f := range down {
		i, ok := onUp[f]
		if !ok {
			continue
		}
		for _, c := range append(append([]string{}, up[:i]...), down[:j]...) {
			if len(t.edges[c].samples) > 0 || t.edges[c].static == nil {
				return false
			}
		}
		return true
	}
	return false
}

// Frames lists every frame the tree names, sorted.
func (t *TFTree) Frames() []string {
	seen := map[string]bool{}
	for c, e := range t.edges {
		seen[c], seen[e.parent] = true, true
	}
	out := make([]string, 0, len(seen))
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// at is the edge's transform (parent_from_child) at stamp: fixed; or interpolated between the
// two samples around stamp when they are at most 2·maxDT apart (translation linearly, rotation
// by slerp); or else the nearest sample when it is within maxDT. maxDT < 0 means no limit.
func (e *tfEdge) at(stamp, maxDT int64) (Pose, error) {
	if len(e.samples) == 0 {
		return e.static.pose(), nil
	}
	within := func(d int64) bool { return maxDT < 0 || (d >= 0 && d <= maxDT) }
	s := e.samples
	i := sort.Search(len(s), func(i int) bool { return s[i].stamp >= stamp })
	if i < len(s) && s[i].stamp == stamp {
		return s[i].pose(), nil
	}
	if i > 0 && i < len(s) {
		a, b := s[i-1], s[i]
		if gap := b.stamp - a.stamp; maxDT < 0 || gap <= 2*maxDT {
			return interpolate(a, b, float64(stamp-a.stamp)/float64(gap)).pose(), nil
		}
	}
	best, bestD := -1, int64(math.MaxInt64)
	for _, j := range []int{i - 1, i} {
		if j >= 0 && j < len(s) {
			d := s[j].stamp - stamp
			if d < 0 {
				d = -d
			}
			if d < bestD {
				best, bestD = j, d
			}
		}
	}
	if best < 0 || !within(bestD) {
		return Pose{}, ErrTFTime
	}
	return s[best].pose(), nil
}

// interpolate blends two samples: translation linearly, rotation along the shorter great arc.
func interpolate(a, b tfSample, u float64) tfSample {
	out := tfSample{stamp: a.stamp + int64(u*float64(b.stamp-a.stamp))}
	for k := 0; k < 3; k++ {
		out.t[k] = a.t[k] + u*(b.t[k]-a.t[k])
	}
	qa, qb := a.q, b.q
	dot := qa[0]*qb[0] + qa[1]*qb[1] + qa[2]*qb[2] + qa[3]*qb[3]
	if dot < 0 {
		dot = -dot
		for k := range qb {
			qb[k] = -qb[k]
		}
	}
	wa, wb := 1-u, u
	if dot < 0.9995 {
		th := math.Acos(dot)
		wa, wb = math.Sin((1-u)*th)/math.Sin(th), math.Sin(u*th)/math.Sin(th)
	}
	var n float64
	for k := range out.q {
		out.q[k] = wa*qa[k] + wb*qb[k]
		n += out.q[k] * out.q[k]
	}
	n = math.Sqrt(n)
	for k := range out.q {
		out.q[k] /= n
	}
	return out
}

// chain lists frame, its parent, its grandparent, … up to the root.
func (t *TFTree) chain(frame string) []string {
	out := []string{frame}
	seen := map[string]bool{frame: true}
	for {
		e, ok := t.edges[frame]
		if !ok || seen[e.parent] {
			return out
		}
		frame = e.parent
		seen[frame] = true
		out = append(out, frame)
	}
}

// Lookup returns target_from_source at stamp: the transform that maps points of the source frame
// into the target frame (equivalently the source frame's pose in the target frame), walking the
// tree up from both frames to their closest common ancestor. Fixed links hold at any time;
// stamped links are interpolated as described at maxDT (ns; < 0: no limit, the nearest sample,
// e.g. the latest). An error wrapping ErrTFTime says the frames are linked but not near stamp.
func (t *TFTree) Lookup(target, source string, stamp, maxDT int64) (Pose, error) {
	target, source = frameName(target), frameName(source)
	if target == source {
		return IdentityPose(), nil
	}
	up := t.chain(source)
	index := map[string]int{}
	for i, f := range up {
		index[f] = i
	}
	down := t.chain(target)
	common := -1
	for j, f := range down {
		if _, ok := index[f]; ok {
			common = j
			break
		}
	}
	if common < 0 {
		return Pose{}, fmt.Errorf("no transform between frames %q and %q: %q's root is %q, %q's root is %q (frames known: %s)",
			target, source, source, up[len(up)-1], target, down[len(down)-1], strings.Join(t.Frames(), ", "))
	}
	ancestor := down[common]
	// ancestor_from_source and ancestor_from_target, composing the links on the way up.
	compose := func(path []string) (Pose, error) {
		p := IdentityPose()
		for _, f := range path {
			if f == ancestor {
				break
			}
			link, err := t.edges[f].at(stamp, maxDT)
			if err != nil {
				return Pose{}, fmt.Errorf("transform %s → %s at %d: %w", t.edges[f].parent, f, stamp, err)
			}
			p = link.Mul(p)
		}
		return p, nil
	}
	fromSource, err := compose(up)
	if err != nil {
		return Pose{}, err
	}
	fromTarget, err := compose(down)
	if err != nil {
		return Pose{}, err
	}
	return relative(fromTarget, fromSource), nil
}

// prune forgets stamped samples no lookup at or after stamp `before` can use: all but the last
// sample at or before it.
func (t *TFTree) prune(before int64) {
	for _, e := range t.edges {
		s := e.samples
		i := sort.Search(len(s), func(i int) bool { return s[i].stamp > before })
		if i > 1 {
			e.samples = append(s[:0], s[i-1:]...)
		}
	}
}
