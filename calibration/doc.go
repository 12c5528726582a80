// Package calibration holds the camera models of the depth pipeline: camera_info and its YAML file,
// lens distortion, undistortion/rectification maps, and how intrinsics follow an image through resize and crop.
package calibration
