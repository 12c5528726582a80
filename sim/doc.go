// Package sim renders deterministic synthetic driving scenes with exact ground truth (depth, motion mask, pose),
// the signal SS-MDE learns from: a moving camera, a static street and objects that move on their own.
package sim
