package node

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/ssmde/ssmde/internal/suggest"
	"github.com/ssmde/ssmde/models"
	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/pipeline"
)

// Params are the node's ROS parameters. Field tags give the parameter name; the doc tag is the
// README table's text; runtime:"true" marks those a running node takes from the next frame (ROS 2
// `ros2 param set`), the others are read-only once it runs. The same names work as ROS 2 params-file keys, `-p name:=value`, and ROS 1
// private parameters (`_name:=value`, `~name`).
type Params struct {
	Model        string `param:"model" doc:"model folder (model.yaml + ONNX); empty: the installed default"`
	Providers    string `param:"providers" doc:"execution providers in order of preference: tensorrt,cuda,cpu"`
	Threads      int    `param:"threads" doc:"ONNX Runtime intra-op threads (0: one per core on the CPU, 1 under TensorRT/CUDA)"`
	SpinWait     bool   `param:"spin_wait" doc:"let ONNX Runtime's threads busy-wait between operators and frames (a little lower latency, a core burnt between frames)"`
	ParallelPose bool   `param:"parallel_pose" doc:"run the pose net beside the depth net, not after it (a frame costs about the slower of the two; give each its cores with threads and pose_threads)"`
	PoseThreads  int    `param:"pose_threads" doc:"the pose net's intra-op threads (0: as threads)"`

	TensorRTFP16      bool   `param:"tensorrt_fp16" doc:"TensorRT: build fp16 engines"`
	TensorRTCacheDir  string `param:"tensorrt_engine_cache" doc:"TensorRT: engine cache folder (empty: no cache)"`
	TensorRTTiming    string `param:"tensorrt_timing_cache" doc:"TensorRT: timing cache folder (empty: none)"`
	TensorRTWorkspace int64  `param:"tensorrt_workspace_bytes" doc:"TensorRT: builder workspace (0: ONNX Runtime's default)"`

	ImageTopic       string `param:"image_topic" doc:"input image topic (node-relative)"`
	ImageTransport   string `param:"image_transport" doc:"raw (sensor_msgs/Image) or compressed (sensor_msgs/CompressedImage on IMAGE_TOPIC/compressed)"`
	CameraInfoTopic  string `param:"camera_info_topic" doc:"input camera_info topic"`
	CameraInfoPolicy string `param:"camera_info_policy" doc:"exact (same stamp as the image), latest (last received) or file"`
	CameraInfoFile   string `param:"camera_info_file" doc:"calibration YAML for camera_info_policy file"`
	ImageReliability string `param:"image_reliability" doc:"best_effort (matches every publisher) or reliable"`

	Fit          string    `param:"fit" doc:"stretch, crop_center, crop_bottom, letterbox or keep_aspect: how the image meets the model input (empty: the model's input.fit, else stretch)"`
	Rectify      bool      `param:"rectify" doc:"undistort with camera_info before inference"`
	ScaleMode    string    `param:"scale_mode" runtime:"true" doc:"none, fixed, focal, camera_height, sparse_depth or fixed_affine (affine_disparity/affine_depth models: camera_height, sparse_depth or fixed_affine)"`
	FixedScale   float64   `param:"fixed_scale" runtime:"true" doc:"depth factor for scale_mode fixed; the scale for fixed_affine"`
	FixedShift   float64   `param:"fixed_shift" runtime:"true" doc:"the shift for scale_mode fixed_affine (disparity for affine_disparity, m for affine_depth)"`
	CameraHeight float64   `param:"camera_height" runtime:"true" doc:"camera height above the ground (m) for scale_mode camera_height"`
	CameraPitch  float64   `param:"camera_pitch" runtime:"true" doc:"camera pitch below the horizon (degrees) for camera_height with an affine model"`
	CameraRoll   float64   `param:"camera_roll" runtime:"true" doc:"camera roll (degrees) for camera_height with an affine model"`
	SparseTopic  string    `param:"sparse_depth_topic" doc:"metric samples for scale_mode sparse_depth: a PointCloud2 (LiDAR) or a depth Image (ToF, stereo) registered to the camera"`
	SparseType   string    `param:"sparse_depth_type" doc:"points (sensor_msgs/PointCloud2) or depth (sensor_msgs/Image, 32FC1 m or 16UC1 mm)"`
	SparseToCam  []float64 `param:"sparse_depth_to_camera" doc:"x y z qx qy qz qw of the point cloud's frame in the camera optical frame (empty: the cloud is in the camera optical frame)"`
	SparseMaxAge float64   `param:"sparse_depth_max_age" runtime:"true" doc:"use samples stamped at most this many seconds from the image (older: the last fit is kept)"`
	MinDepth     float64   `param:"min_depth" runtime:"true" doc:"clamp depth below (m, 0: off)"`
	MaxDepth     float64   `param:"max_depth" runtime:"true" doc:"clamp depth above (m, 0: off)"`

	DepthEncoding    string  `param:"depth_encoding" doc:"32FC1 (m, NaN invalid) or 16UC1 (mm, 0 invalid)"`
	DepthResolution  string  `param:"depth_resolution" doc:"camera (depth registered to the camera image, at its size), model (the model's depth grid) or WxH (the camera image resized, e.g. 640x360)"`
	DepthUpsampling  string  `param:"depth_upsampling" doc:"joint_bilateral (depth edges follow the camera image's) or bilinear: from the model's grid to depth_resolution"`
	CompressedMax    float64 `param:"compressed_depth_max" doc:"depth/compressedDepth: farther depth is sent as invalid (m; the plugin's depth_max)"`
	CompressedQuant  float64 `param:"compressed_depth_quantization" doc:"depth/compressedDepth (32FC1): the plugin's depth_quantization (m); the error at depth d is below d²/(q(q+1) − d)"`
	CompressedLevel  int     `param:"compressed_depth_png_level" doc:"depth/compressedDepth: PNG (zlib) level 1 (fastest) to 9 (smallest)"`
	PublishPoints    bool    `param:"publish_points" runtime:"true" doc:"publish the point cloud (needs intrinsics)"`
	PointsRGB        bool    `param:"points_rgb" runtime:"true" doc:"add an rgb field to the cloud"`
	PointsDecimation int     `param:"points_decimation" runtime:"true" doc:"keep every k-th pixel of the published depth in x and y; 0: the smallest k that keeps the cloud no larger than the model's depth grid"`
	PointsMinRange   float64 `param:"points_min_range" runtime:"true" doc:"drop points nearer than this (m, Euclidean, 0: off)"`
	PointsMaxRange   float64 `param:"points_max_range" runtime:"true" doc:"drop points farther than this (m, 0: off)"`
	PublishColormap  string  `param:"publish_colormap" runtime:"true" doc:"auto (when subscribed), always or never"`

	PublishOdom     bool      `param:"publish_odom" runtime:"true" doc:"publish odometry from the pose net"`
	PublishTF       bool      `param:"publish_tf" runtime:"true" doc:"broadcast odom_frame → base_frame (or → camera frame)"`
	OdomFrame       string    `param:"odom_frame" doc:"odometry frame id"`
	BaseFrame       string    `param:"base_frame" doc:"robot base frame; empty: odometry is of the camera's optical frame"`
	BaseToCamera    []float64 `param:"base_to_camera" doc:"x y z qx qy qz qw of the camera optical frame in base_frame (published on /tf_static)"`
	OutputDepth     int       `param:"output_depth" doc:"history depth (KEEP_LAST) of the outputs, published RELIABLE"`
	UseSimTime      bool      `param:"use_sim_time" doc:"take time from /clock"`
	DiagnosticsRate float64   `param:"diagnostics_period" doc:"seconds between /diagnostics messages"`
}

// DefaultParams are what the node runs with when nothing is set.
func DefaultParams() Params {
	return Params{
		Providers:        "tensorrt,cuda,cpu",
		TensorRTFP16:     true,
		ImageTopic:       "image",
		ImageTransport:   "raw",
		CameraInfoTopic:  "camera_info",
		CameraInfoPolicy: "latest",
		ImageReliability: "best_effort",
		ScaleMode:        string(pipeline.ScaleFocal),
		FixedScale:       1,
		CameraHeight:     1.65,
		SparseTopic:      "sparse_depth",
		SparseType:       "points",
		SparseMaxAge:     0.5,
		DepthEncoding:    pipeline.Encoding32FC1,
		DepthResolution:  "camera",
		DepthUpsampling:  pipeline.UpsampleJointBilateral,
		CompressedMax:    100,
		CompressedQuant:  100,
		CompressedLevel:  1,
		PublishPoints:    true,
		PointsRGB:        true,
		PointsDecimation: 0,
		PublishColormap:  "auto",
		PublishOdom:      true,
		PublishTF:        true,
		OdomFrame:        "odom",
		OutputDepth:      5,
		DiagnosticsRate:  1,
	}
}

// Validate names the first parameter with a bad value.
func (p Params) Validate() error {
	bad := func(name string, value any, want string) error {
		return fmt.Errorf("parameter %s = %v: %s", name, value, want)
	}
	if _, err := models.ParseProviderList(p.Providers); err != nil {
		return bad("providers", p.Providers, err.Error())
	}
	if p.PoseThreads < 0 {
		return bad("pose_threads", p.PoseThreads, "must not be negative")
	}
	if p.Threads < 0 {
		return bad("threads", p.Threads, "must not be negative")
	}
	if p.ImageTransport != "raw" && p.ImageTransport != "compressed" {
		return bad("image_transport", p.ImageTransport, "want raw or compressed")
	}
	switch p.CameraInfoPolicy {
	case "exact", "latest":
	case "file":
		if p.CameraInfoFile == "" {
			return bad("camera_info_file", `""`, "camera_info_policy file needs a calibration YAML")
		}
	default:
		return bad("camera_info_policy", p.CameraInfoPolicy, "want exact, latest or file")
	}
	if p.ImageReliability != "best_effort" && p.ImageReliability != "reliable" {
		return bad("image_reliability", p.ImageReliability, "want best_effort or reliable")
	}
	if p.PublishColormap != "auto" && p.PublishColormap != "always" && p.PublishColormap != "never" {
		return bad("publish_colormap", p.PublishColormap, "want auto, always or never")
	}
	if p.PointsDecimation < 0 {
		return bad("points_decimation", p.PointsDecimation, "must not be negative (0: automatic)")
	}
	if _, err := pipeline.ParseResolution(p.DepthResolution); err != nil {
		return bad("depth_resolution", p.DepthResolution, "want camera, model or WIDTHxHEIGHT (e.g. 640x360), each side 1..16384")
	}
	if p.DepthUpsampling != pipeline.UpsampleJointBilateral && p.DepthUpsampling != pipeline.UpsampleBilinear {
		return bad("depth_upsampling", p.DepthUpsampling, "want joint_bilateral or bilinear")
	}
	if !(p.CompressedMax > 0) || math.IsInf(p.CompressedMax, 0) {
		return bad("compressed_depth_max", p.CompressedMax, "must be positive")
	}
	if !(p.CompressedQuant > 0) || math.IsInf(p.CompressedQuant, 0) {
		return bad("compressed_depth_quantization", p.CompressedQuant, "must be positive")
	}
	if p.CompressedLevel < 1 || p.CompressedLevel > 9 {
		return bad("compressed_depth_png_level", p.CompressedLevel, "want 1..9")
	}
	if err := checkXYZQuat("base_to_camera", p.BaseToCamera); err != nil {
		return err
	}
	if p.SparseType != "points" && p.SparseType != "depth" {
		return bad("sparse_depth_type", p.SparseType, "want points or depth")
	}
	if err := checkXYZQuat("sparse_depth_to_camera", p.SparseToCam); err != nil {
		return err
	}
	if !(p.SparseMaxAge > 0) {
		return bad("sparse_depth_max_age", p.SparseMaxAge, "must be positive")
	}
	if p.ScaleMode == string(pipeline.ScaleSparseDepth) && p.SparseTopic == "" {
		return bad("sparse_depth_topic", `""`, "scale_mode sparse_depth needs a topic with metric samples")
	}
	if p.OutputDepth < 1 {
		return bad("output_depth", p.OutputDepth, "must be at least 1")
	}
	if !(p.DiagnosticsRate > 0) {
		return bad("diagnostics_period", p.DiagnosticsRate, "must be positive")
	}
	if p.OdomFrame == "" {
		return bad("odom_frame", `""`, "must not be empty")
	}
	return p.PipelineConfig().Validate()
}

// checkXYZQuat checks an optional "x y z qx qy qz qw" transform parameter.
func checkXYZQuat(name string, v []float64) error {
	if len(v) == 0 {
		return nil
	}
	if len(v) != 7 {
		return fmt.Errorf("parameter %s = %v: want 7 numbers: x y z qx qy qz qw", name, v)
	}
	q := v[3:]
	if n := math.Sqrt(q[0]*q[0] + q[1]*q[1] + q[2]*q[2] + q[3]*q[3]); math.Abs(n-1) > 1e-3 {
		return fmt.Errorf("parameter %s = %v: its quaternion has norm %.4f, want 1", name, v, n)
	}
	return nil
}

// CompressedDepthConfig is depth/compressedDepth's encoder configuration.
func (p Params) CompressedDepthConfig() pipeline.CompressedDepthConfig {
	return pipeline.CompressedDepthConfig{DepthMax: p.CompressedMax, Quantization: p.CompressedQuant, PNGLevel: p.CompressedLevel}
}

// PipelineConfig maps the parameters onto the pipeline's configuration.
func (p Params) PipelineConfig() pipeline.Config {
	res, _ := pipeline.ParseResolution(p.DepthResolution) // Validate reports a bad one
	return pipeline.Config{
		Fit: p.Fit, Rectify: p.Rectify, ScaleMode: pipeline.ScaleMode(p.ScaleMode), FixedScale: p.FixedScale,
		FixedShift:    p.FixedShift,
		Ground:        pipeline.GroundConfig{CameraHeight: p.CameraHeight, PitchDeg: p.CameraPitch, RollDeg: p.CameraRoll},
		DepthEncoding: p.DepthEncoding, MinDepth: float32(p.MinDepth), MaxDepth: float32(p.MaxDepth),
		Resolution: res, Upsample: pipeline.UpsampleConfig{Method: p.DepthUpsampling},
		Points: p.PublishPoints,
		Cloud: pipeline.CloudConfig{Decimation: p.PointsDecimation, MinRange: float32(p.PointsMinRange),
			MaxRange: float32(p.PointsMaxRange), RGB: p.PointsRGB},
		Colormap: p.PublishColormap != "never", Colors: pipeline.ColormapConfig{Inverse: true},
		Pose: p.PublishOdom || p.PublishTF, ParallelPose: p.ParallelPose,
	}
}

// SessionConfig maps the parameters onto the model's session configuration.
func (p Params) SessionConfig() (models.SessionConfig, error) {
	providers, err := models.ParseProviderList(p.Providers)
	if err != nil {
		return models.SessionConfig{}, err
	}
	for i := range providers {
		if providers[i].Name == models.ProviderTensorRT {
			providers[i].FP16 = p.TensorRTFP16
			providers[i].EngineCacheDir = p.TensorRTCacheDir
			providers[i].TimingCacheDir = p.TensorRTTiming
			providers[i].WorkspaceBytes = p.TensorRTWorkspace
		}
	}
	return models.SessionConfig{Providers: providers, IntraOpThreads: p.Threads, PoseIntraOpThreads: p.PoseThreads, NoSpinning: !p.SpinWait}, nil
}

// Set assigns one parameter from a parsed value (YAML-typed: bool, int, float64, string or a
// list), converting where ROS would (an int where a double is expected). The error names the
// parameter and says what type it wants.
func (p *Params) Set(name string, value any) error {
	v := reflect.ValueOf(p).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Tag.Get("param") != name {
			continue
		}
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			s, ok := value.(string)
			if !ok {
				return fmt.Errorf("parameter %s = %v (%T): want a string", name, value, value)
			}
			f.SetString(s)
		case reflect.Bool:
			b, ok := value.(bool)
			if !ok {
				return fmt.Errorf("parameter %s = %v (%T): want true or false", name, value, value)
			}
			f.SetBool(b)
		case reflect.Int, reflect.Int64:
			n, ok := asInt(value)
			if !ok {
				return fmt.Errorf("parameter %s = %v (%T): want an integer", name, value, value)
			}
			f.SetInt(n)
		case reflect.Float64:
			x, ok := asFloat(value)
			if !ok {
				return fmt.Errorf("parameter %s = %v (%T): want a number", name, value, value)
			}
			f.SetFloat(x)
		case reflect.Slice:
			switch x := value.(type) { // ROS-typed lists, as the parameter services carry them
			case []float64:
				if len(x) == 0 {
					f.Set(reflect.Zero(f.Type())) // empty is nil: the default, as "[]" is
				} else {
					f.Set(reflect.ValueOf(slices.Clone(x)))
				}
				return nil
			case []int64:
				value = toAnyList(x)
			case []string:
				if len(x) == 0 { // "[]" in a params file: an empty list of any type
					value = []any{}
				}
			}
			list, ok := value.([]any)
			if !ok {
				return fmt.Errorf("parameter %s = %v (%T): want a list of numbers", name, value, value)
			}
			var out []float64 // nil for [], which equals the default
			if len(list) > 0 {
				out = make([]float64, len(list))
			}
			for k, e := range list {
				x, ok := asFloat(e)
				if !ok {
					return fmt.Errorf("parameter %s[%d] = %v (%T): want a number", name, k, e, e)
				}
				out[k] = x
			}
			f.Set(reflect.ValueOf(out))
		}
		return nil
	}
	return fmt.Errorf("parameter %q unknown%s (the node's parameters: %s)", name, suggest.DidYouMean(name, ParamNames()), strings.Join(ParamNames(), ", "))
}

// SetAll assigns parameters in name order (so errors are reproducible).
func (p *Params) SetAll(values map[string]any) error {
	names := make([]string, 0, len(values))
	for k := range values {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if err := p.Set(k, values[k]); err != nil {
			return err
		}
	}
	return nil
}

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case float64:
		if x == math.Trunc(x) {
			return int64(x), true
		}
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return n, err == nil
	}
	return 0, false
}

func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// ParamNames lists every parameter name in declaration order.
func ParamNames() []string {
	t := reflect.TypeOf(Params{})
	names := make([]string, t.NumField())
	for i := range names {
		names[i] = t.Field(i).Tag.Get("param")
	}
	return names
}

// ParamTable renders the README's parameter table (name, default, meaning).
func ParamTable() string {
	var b strings.Builder
	b.WriteString("| parameter | default | meaning |\n|---|---|---|\n")
	d := reflect.ValueOf(DefaultParams())
	t := d.Type()
	for i := 0; i < t.NumField(); i++ {
		def := fmt.Sprint(d.Field(i).Interface())
		if d.Field(i).Kind() == reflect.String {
			def = strconv.Quote(d.Field(i).String())
		}
		if d.Field(i).Kind() == reflect.Slice && d.Field(i).Len() == 0 {
			def = "[]"
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", t.Field(i).Tag.Get("param"), def, t.Field(i).Tag.Get("doc"))
	}
	return b.String()
}

func toAnyList[T any](v []T) []any {
	out := make([]any, len(v))
	for i, x := range v {
		out[i] = x
	}
	return out
}

// IsRuntimeParam reports whether a running node takes a new value of name (from the next frame).
func IsRuntimeParam(name string) bool {
	t := reflect.TypeOf(Params{})
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Tag.Get("param") == name {
			return t.Field(i).Tag.Get("runtime") == "true"
		}
	}
	return false
}

// paramRanges are the ranges the parameter services describe (and enforce on a set).
var paramRanges = map[string]any{
	"points_decimation":          msgs.IntegerRange{FromValue: 0, ToValue: 1000, Step: 1},
	"compressed_depth_png_level": msgs.IntegerRange{FromValue: 1, ToValue: 9, Step: 1},
	"camera_pitch":               msgs.FloatingPointRange{FromValue: -90, ToValue: 90},
	"camera_roll":                msgs.FloatingPointRange{FromValue: -180, ToValue: 180},
}

// Constraints of the descriptors: what a set may do.
const (
	RuntimeConstraint  = "takes effect on the next frame"
	ReadOnlyConstraint = "read-only while the node runs: set it at start-up (-p name:=value or --params-file)"
)

// ROSParameters gives every parameter with its ROS 2 value (bool, integer, double, string,
// double array) and descriptor (the README table's text, read-only unless runtime, a range
// where one applies), in declaration order, for the parameter services.
func (p Params) ROSParameters() ([]msgs.Parameter, []msgs.ParameterDescriptor) {
	v := reflect.ValueOf(p)
	t := v.Type()
	params := make([]msgs.Parameter, 0, t.NumField())
	descs := make([]msgs.ParameterDescriptor, 0, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		name := t.Field(i).Tag.Get("param")
		var pv msgs.ParameterValue
		switch f := v.Field(i); f.Kind() {
		case reflect.String:
			pv = msgs.ParameterValue{Type: msgs.ParameterString, String: f.String()}
		case reflect.Bool:
			pv = msgs.ParameterValue{Type: msgs.ParameterBool, Bool: f.Bool()}
		case reflect.Int, reflect.Int64:
			pv = msgs.ParameterValue{Type: msgs.ParameterInteger, Integer: f.Int()}
		case reflect.Float64:
			pv = msgs.ParameterValue{Type: msgs.ParameterDouble, Double: f.Float()}
		case reflect.Slice:
			pv = msgs.ParameterValue{Type: msgs.ParameterDoubleArray, DoubleArray: append([]float64{}, f.Interface().([]float64)...)}
		}
		d := msgs.ParameterDescriptor{Name: name, Type: pv.Type, Description: t.Field(i).Tag.Get("doc"),
			ReadOnly: t.Field(i).Tag.Get("runtime") != "true", AdditionalConstraints: RuntimeConstraint}
		if d.ReadOnly {
			d.AdditionalConstraints = ReadOnlyConstraint
		}
		switch r := paramRanges[name].(type) {
		case msgs.IntegerRange:
			d.IntegerRange = []msgs.IntegerRange{r}
		case msgs.FloatingPointRange:
			d.FloatingPointRange = []msgs.FloatingPointRange{r}
		}
		params = append(params, msgs.Parameter{Name: name, Value: pv})
		descs = append(descs, d)
	}
	return params, descs
}
