package models

import "fmt"

// Model is an opened student: its manifest, the depth net and, when the manifest has one, the pose
// net. Close it when done.
type Model struct {
	Manifest *Manifest
	Depth    *Net
	Pose     *Net // nil when the model has no pose net
}

// Open loads DIR/model.yaml, checks the ONNX files against it and creates their sessions.
func Open(dir string, cfg SessionConfig) (*Model, error) {
	m, err := LoadManifest(dir)
	if err != nil {
		return nil, err
	}
	if _, err := InitRuntime(cfg.RuntimeLibrary); err != nil {
		return nil, err
	}
	for _, p := range cfg.Providers {
		if err := p.Validate(); err != nil {
			return nil, err
		}
	}
	h, w := int64(m.Input.Height), int64(m.Input.Width)
	model := &Model{Manifest: m}
	model.Depth, err = openNet(dir, m.Depth, "depth", []int64{1, 3, h, w}, nil, cfg)
	if err != nil {
		return nil, err
	}
	if m.Input.Fit == FitKeepAspect && !model.Depth.DynamicInput() {
		shape := model.Depth.InputShape()
		model.Close()
		return nil, fmt.Errorf("%s: model.yaml input.fit is keep_aspect, but input %q has a fixed size %v; use letterbox or stretch for a fixed-size graph",
			m.Depth.File, m.Depth.Input, shape)
	}
	if m.Pose != nil {
		poseCfg := cfg
		if cfg.PoseIntraOpThreads > 0 {
			poseCfg.IntraOpThreads = cfg.PoseIntraOpThreads
		}
		model.Pose, err = openNet(dir, *m.Pose, "pose", []int64{1, 6, h, w}, []int64{1, 6}, poseCfg)
		if err != nil {
			model.Close()
			return nil, err
		}
	}
	return model, nil
}

// Provider is the execution provider the depth net runs on.
func (m *Model) Provider() string {
	if m == nil || m.Depth == nil {
		return ""
	}
	return m.Depth.Provider()
}

// String describes the model for logs.
func (m *Model) String() string {
	pose := "no pose net"
	if m.Pose != nil {
		pose = "pose net"
	}
	w, h := m.Depth.InputSize()
	precision := ""
	if m.Depth.InputFloat16() || m.Depth.OutputFloat16() {
		precision = ", fp16"
	}
	return fmt.Sprintf("%s (%dx%d, %s%s, %s, on %s)", m.Manifest.Name, w, h, m.Manifest.Output.Kind, precision, pose, m.Provider())
}

// Close releases both sessions. Safe to call twice.
func (m *Model) Close() {
	if m == nil {
		return
	}
	m.Depth.Close()
	m.Pose.Close()
	m.Depth, m.Pose = nil, nil
}
