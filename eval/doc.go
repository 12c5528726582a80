// Package eval scores depth and ego-motion against ground truth the way the monocular-depth
// literature does (Monodepth2's protocol, DESIGN §8), so our numbers compare with published ones.
//
// The metrics are pure functions over float32 slices; readers of bags and folders feed them.
package eval
