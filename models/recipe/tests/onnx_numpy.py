"""A tiny float64 numpy interpreter for the ONNX ops our exports use.

onnxruntime is not installed for Debian's python3, so the tests use this independent
evaluator to check that an exported graph computes the same function as the eager nets.
It supports only what ssmde_recipe.export emits and raises on anything else.
"""

import numpy as np
import onnx
from numpy.lib.stride_tricks import sliding_window_view
from onnx import numpy_helper


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _conv(x, w, b, at):
    kh, kw = w.shape[2:]
    sh, sw = at.get("strides", [1, 1])
    pt, pl, pb, pr = at.get("pads", [0, 0, 0, 0])
    if any(d != 1 for d in at.get("dilations", [1, 1])):
        raise NotImplementedError("dilated Conv")
    g = at.get("group", 1)
    x = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    win = sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    n, c, oh, ow = win.shape[:4]
    m = w.shape[0]
    win = win.reshape(n, g, c // g, oh, ow, kh, kw)
    wg = w.reshape(g, m // g, c // g, kh, kw)
    out = np.einsum("ngchwij,gmcij->ngmhw", win, wg, optimize=True).reshape(n, m, oh, ow)
    if b is not None:
        out = out + b.reshape(1, m, 1, 1)
    return out


def _maxpool(x, at):
    kh, kw = at["kernel_shape"]
    sh, sw = at.get("strides", [1, 1])
    pt, pl, pb, pr = at.get("pads", [0, 0, 0, 0])
    x = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=-np.inf)
    return sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw].max(axis=(4, 5))


def _resize(x, roi, scales, sizes, at):
    if at.get("mode", b"nearest") != b"nearest":
        raise NotImplementedError("Resize mode %r" % at.get("mode"))
    if scales is None or scales.size == 0:
        scales = np.asarray(sizes, dtype=np.float64) / np.asarray(x.shape)
    if list(scales[:2]) != [1, 1] or scales[2] != scales[3] or scales[2] != int(scales[2]):
        raise NotImplementedError(f"Resize scales {scales}")
    if at.get("coordinate_transformation_mode", b"half_pixel") != b"asymmetric" or \
            at.get("nearest_mode", b"round_prefer_floor") != b"floor":
        raise NotImplementedError("Resize coordinate mode")
    s = int(scales[2])
    return x.repeat(s, axis=2).repeat(s, axis=3)


def _pad(x, pads, value, at):
    mode = at.get("mode", b"constant").decode()
    pads = [int(p) for p in pads]
    r = len(pads) // 2
    width = [(pads[i], pads[i + r]) for i in range(r)]
    if mode == "reflect":
        return np.pad(x, width, mode="reflect")
    if mode == "constant":
        return np.pad(x, width, constant_values=0.0 if value is None else float(value))
    raise NotImplementedError(f"Pad mode {mode}")


def run(model_path, feeds):
    """Evaluate the graph at ``model_path`` on {input name: array}; returns {output name: float64 array}."""
    model = onnx.load(model_path)
    env = {init.name: numpy_helper.to_array(init).astype(np.float64) if numpy_helper.to_array(init).dtype.kind == "f"
           else numpy_helper.to_array(init) for init in model.graph.initializer}
    env.update({k: np.asarray(v, dtype=np.float64) for k, v in feeds.items()})
    env[""] = None
    for node in model.graph.node:
        at = _attrs(node)
        ins = [env[i] for i in node.input]
        op = node.op_type
        if op == "Constant":
            out = numpy_helper.to_array(at["value"])
            out = out.astype(np.float64) if out.dtype.kind == "f" else out
        elif op == "Conv":
            out = _conv(ins[0], ins[1], ins[2] if len(ins) > 2 else None, at)
        elif op == "Relu":
            out = np.maximum(ins[0], 0.0)
        elif op == "Elu":
            alpha = at.get("alpha", 1.0)
            out = np.where(ins[0] > 0, ins[0], alpha * (np.exp(np.minimum(ins[0], 0.0)) - 1.0))
        elif op == "Neg":
            out = -ins[0]
        elif op == "Exp":
            out = np.exp(ins[0])
        elif op == "Reciprocal":
            out = 1.0 / ins[0]
        elif op == "Sigmoid":
            out = 1.0 / (1.0 + np.exp(-ins[0]))
        elif op in ("Add", "Sub", "Mul", "Div"):
            out = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide}[op](ins[0], ins[1])
        elif op == "Concat":
            out = np.concatenate(ins, axis=at["axis"])
        elif op == "Resize":
            ins += [None] * (4 - len(ins))
            out = _resize(ins[0], ins[1], ins[2], ins[3], at)
        elif op == "Pad":
            ins += [None] * (3 - len(ins))
            out = _pad(ins[0], ins[1], ins[2], at)
        elif op == "Slice":
            starts, ends = ins[1], ins[2]
            axes = ins[3] if len(ins) > 3 and ins[3] is not None else range(len(starts))
            steps = ins[4] if len(ins) > 4 and ins[4] is not None else [1] * len(starts)
            index = [slice(None)] * ins[0].ndim
            for a, s0, e0, st in zip(axes, starts, ends, steps):
                index[int(a)] = slice(int(s0), int(e0), int(st))
            out = ins[0][tuple(index)]
        elif op == "MaxPool":
            out = _maxpool(ins[0], at)
        elif op == "ReduceMean":
            out = ins[0].mean(axis=tuple(at["axes"]), keepdims=bool(at.get("keepdims", 1)))
        else:
            raise NotImplementedError(f"op {op}")
        env[node.output[0]] = out
    return {o.name: env[o.name] for o in model.graph.output}
