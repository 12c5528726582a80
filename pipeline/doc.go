// Package pipeline holds the per-frame stages between a camera image and ssmde's outputs:
// decode, preprocess, disparity→depth, metric scale, depth/point-cloud/colormap encoders.
//
// Each stage is a small struct owning its reusable buffers (or a pure function), so that the
// orchestrator can run a frame without allocating on the steady path and each stage can be
// tested alone. No stage knows a transport; messages come from and go to package msgs.
package pipeline
