package calibration

import (
	"fmt"
	"os"

	"gopkg.in/yaml.v3"
)

// yamlMatrix is a matrix as camera_calibration_parsers writes it: rows, cols, then the row-major data.
type yamlMatrix struct {
	Rows int       `yaml:"rows"`
	Cols int       `yaml:"cols"`
	Data []float64 `yaml:"data,flow"`
}

// yamlCalibration is the camera_calibration_parsers YAML file (what camera_calibration writes and
// camera_info_manager loads).
type yamlCalibration struct {
	ImageWidth             int         `yaml:"image_width"`
	ImageHeight            int         `yaml:"image_height"`
	CameraName             string      `yaml:"camera_name"`
	CameraMatrix           *yamlMatrix `yaml:"camera_matrix"`
	DistortionModel        *string     `yaml:"distortion_model"`
	DistortionCoefficients *yamlMatrix `yaml:"distortion_coefficients"`
	RectificationMatrix    *yamlMatrix `yaml:"rectification_matrix"`
	ProjectionMatrix       *yamlMatrix `yaml:"projection_matrix"`
}

// ParseYAML reads a camera_calibration_parsers YAML file and validates the camera.
// A missing distortion_model is guessed from the number of coefficients (older files lack the key);
// missing rectification and projection matrices default to the identity and [K | 0].
func ParseYAML(data []byte) (Camera, error) {
	var f yamlCalibration
	if err := yaml.Unmarshal(data, &f); err != nil {
		return Camera{}, fmt.Errorf("calibration: YAML: %w", err)
	}
	if f.CameraMatrix == nil {
		return Camera{}, fmt.Errorf("calibration: YAML has no camera_matrix")
	}
	cam := Camera{Name: f.CameraName, Width: f.ImageWidth, Height: f.ImageHeight}
	if err := f.CameraMatrix.into("camera_matrix", 3, 3, cam.K[:]); err != nil {
		return Camera{}, err
	}
	if m := f.RectificationMatrix; m != nil {
		if err := m.into("rectification_matrix", 3, 3, cam.R[:]); err != nil {
			return Camera{}, err
		}
	}
	if m := f.ProjectionMatrix; m != nil {
		if err := m.into("projection_matrix", 3, 4, cam.P[:]); err != nil {
			return Camera{}, err
		}
	}
	if m := f.DistortionCoefficients; m != nil {
		// camera_calibration writes D as one row; accept a column too, the data are the same.
		if (m.Rows != 1 && m.Cols != 1) || m.Rows*m.Cols != len(m.Data) {
			return Camera{}, fmt.Errorf("calibration: distortion_coefficients has rows %d cols %d data of length %d; want one row of that many values",
				m.Rows, m.Cols, len(m.Data))
		}
		cam.D = m.Data
	}
	if f.DistortionModel != nil {
		cam.Model = DistortionModel(*f.DistortionModel)
	} else {
		cam.Model = guessModel(len(cam.D))
	}
	cam.fillDefaults()
	if err := cam.Validate(); err != nil {
		return Camera{}, err
	}
	return cam, nil
}

func guessModel(coefficients int) DistortionModel {
	switch coefficients {
	case 0:
		return NoDistortion
	case RationalPolynomial.CoefficientCount():
		return RationalPolynomial
	}
	return PlumbBob
}

func (m *yamlMatrix) into(field string, rows, cols int, dst []float64) error {
	if m.Rows != rows || m.Cols != cols || len(m.Data) != rows*cols {
		return fmt.Errorf("calibration: %s has rows %d cols %d data of length %d; want rows %d cols %d and %d values",
			field, m.Rows, m.Cols, len(m.Data), rows, cols, rows*cols)
	}
	copy(dst, m.Data)
	return nil
}

// LoadYAML reads and parses a camera_calibration_parsers YAML file.
func LoadYAML(path string) (Camera, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Camera{}, fmt.Errorf("calibration: %w", err)
	}
	cam, err := ParseYAML(data)
	if err != nil {
		return Camera{}, fmt.Errorf("%w (in %s)", err, path)
	}
	return cam, nil
}

// MarshalYAML writes the camera as a camera_calibration_parsers YAML file. Binning and ROI have no
// place in that format and are not written. An undistorted camera is written as plumb_bob with five
// zeros, as camera_calibration does.
func MarshalYAML(cam Camera) ([]byte, error) {
	if err := cam.Validate(); err != nil {
		return nil, err
	}
	msg := cam.CameraInfo()
	model := msg.DistortionModel
	f := yamlCalibration{
		ImageWidth:             cam.Width,
		ImageHeight:            cam.Height,
		CameraName:             cam.Name,
		CameraMatrix:           &yamlMatrix{Rows: 3, Cols: 3, Data: msg.K[:]},
		DistortionModel:        &model,
		DistortionCoefficients: &yamlMatrix{Rows: 1, Cols: len(msg.D), Data: msg.D},
		RectificationMatrix:    &yamlMatrix{Rows: 3, Cols: 3, Data: msg.R[:]},
		ProjectionMatrix:       &yamlMatrix{Rows: 3, Cols: 4, Data: msg.P[:]},
	}
	return yaml.Marshal(&f)
}
