package suggest

import "testing"

func TestClosest(t *testing.T) {
	known := []string{"scale_mode", "fixed_scale", "min_depth", "max_depth", "camera_height", "fit"}
	for _, c := range []struct{ name, want string }{
		{"scale_mdoe", "scale_mode"}, // two neighbours swapped: one edit
		{"scalemode", "scale_mode"},  // one deleted
		{"min_dept", "min_depth"},    // one deleted at the end
		{"max_deph", "max_depth"},    // nearer max_depth than min_depth
		{"camera_hieght", "camera_height"},
		{"fixed_scale", "fixed_scale"}, // exact
		{"fti", "fit"},                 // short names allow one edit
		{"fxx", ""},                    // two edits in three characters: not a typo
		{"publish_odometry", ""},       // nothing near
		{"", ""},
	} {
		if got := Closest(c.name, known); got != c.want {
			t.Errorf("Closest(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestDidYouMean(t *testing.T) {
	known := []string{"scale_mode", "depth_encoding"}
	if got, want := DidYouMean("scale_mdoe", known), `; did you mean "scale_mode"?`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := DidYouMean("scale_mode", known); got != "" {
		t.Errorf("exact name: got %q, want nothing", got)
	}
	if got := DidYouMean("zzz", known); got != "" {
		t.Errorf("far name: got %q, want nothing", got)
	}
}

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"abc", "", 3}, {"", "ab", 2}, {"kitten", "sitting", 3}, {"ab", "ba", 1}, {"abcd", "acbd", 1}, {"same", "same", 0}} {
		if got := distance(c.a, c.b); got != c.d {
			t.Errorf("distance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
		if got := distance(c.b, c.a); got != c.d {
			t.Errorf("distance(%q, %q) = %d, want %d (symmetric)", c.b, c.a, got, c.d)
		}
	}
}
