"""Writes the tiny ONNX graphs the Go tests of package models load (run from this folder).

depth.onnx: image [1,3,8,16] -> disp [1,1,8,16] = sigmoid(mean over channels of (x - 0.5) * 4)
pose.onnx:  frames [1,6,8,16] -> pose [1,6]     = 0.01 * mean over pixels of each channel
Both are known functions, so the Go tests can check ONNX Runtime's answers by hand.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def depth_graph():
    w = numpy_helper.from_array(np.full((1, 3, 1, 1), 4.0 / 3.0, np.float32), "w")
    b = numpy_helper.from_array(np.array([-2.0], np.float32), "b")
    nodes = [
        helper.make_node("Conv", ["image", "w", "b"], ["logit"]),
        helper.make_node("Sigmoid", ["logit"], ["disp"]),
    ]
    g = helper.make_graph(
        nodes, "tiny_depth",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 8, 16])],
        [helper.make_tensor_value_info("disp", TensorProto.FLOAT, [1, 1, 8, 16])],
        [w, b])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def pose_graph():
    scale = numpy_helper.from_array(np.array(0.01, np.float32), "scale")
    nodes = [
        helper.make_node("GlobalAveragePool", ["frames"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
        helper.make_node("Mul", ["flat", "scale"], ["pose"]),
    ]
    g = helper.make_graph(
        nodes, "tiny_pose",
        [helper.make_tensor_value_info("frames", TensorProto.FLOAT, [1, 6, 8, 16])],
        [helper.make_tensor_value_info("pose", TensorProto.FLOAT, [1, 6])],
        [scale])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


if __name__ == "__main__":
    for name, model in (("depth", depth_graph()), ("pose", pose_graph())):
        model.ir_version = 8
        onnx.checker.check_model(model)
        onnx.save(model, f"tiny/{name}.onnx")
