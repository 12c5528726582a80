// Package fileio writes and reads the files people open outside ROS: float32 .npy arrays (numpy),
// 16-bit PNG depth in millimetres (the KITTI/TUM convention), and .ply point clouds.
//
// They are the hand-off to Python notebooks, MeshLab/CloudCompare and image viewers, so each
// format follows its reference reader exactly rather than "close enough".
package fileio
