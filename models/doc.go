// Package models loads an ssmde student (a folder with model.yaml and ONNX files, DESIGN §4) and
// runs it through ONNX Runtime with an ordered list of execution providers (TensorRT, CUDA, CPU).
//
// The manifest is checked against the ONNX files' real input and output names and shapes at load
// time, so a model that disagrees with its description fails before the first frame, not during it.
// The Python training recipe and export live in the recipe/ subfolder; default models in default/.
package models
