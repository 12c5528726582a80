"""Writes ONNX test graphs shaped like public depth-network exports ("bring your own model").

    /usr/bin/python3 models/testdata/byo/make_graphs.py OUTDIR [--only a,b] [--student PATH]

Each graph has the exact input/output signature (names, dtypes, shapes, dynamic axes) of a
public ONNX export, but computes a known function, so the Go tests can compute the expected
output independently. The files are written to OUTDIR/<name>.onnx (each to a temporary name in
OUTDIR first, then renamed, so a file is whole or absent); they are generated, never committed.

The GT code (graphs 1-8 decode it; this is the contract with the Go tests)
-----------------------------------------------------------------------
A test image carries a disparity map disp (1/m) in its 8-bit RGB pixels:
    code = round(clamp(disp / DISP_MAX, 0, 1) * CODE_MAX)      CODE_MAX = 2^24 - 1 = 16777215
    R = code >> 16,  G = (code >> 8) & 255,  B = code & 255     DISP_MAX = 10.0
The pipeline normalises the image as x[c] = (rgb8[c] * scale - mean[c]) / std[c], with the
graph's own (scale, mean, std) listed below. Each graph decodes, all in float32 (an fp16 input
is Cast to float32 first):
    rgb8[c] = Round((x[c] * std[c] + mean[c]) / scale)
    code    = R8 * 65536 + G8 * 256 + B8                        (exact in float32)
    disp    = code / CODE_MAX * DISP_MAX
and then computes its output from disp:

 #  name                  inputs                                   outputs                         function
 1  da2_relative          image f32 [1,3,518,518]                  depth f32 [1,518,518]           A*disp + B
 2  da2_relative_dynamic  image f32 [1,3,height,width]             depth f32 [1,height,width]      A*disp + B
 3  da2_relative_fp16     image f16 [1,3,518,518]                  depth f16 [1,518,518]           A*disp + B (f32 inside, Cast out)
 4  da2_metric_outdoor    image f32 [1,3,518,518]                  depth f32 [1,518,518]           1 / max(disp, METRIC_MIN_DISP)
 5  midas_v21_small       input f32 [1,3,256,256]                  output f32 [1,256,256]          A*disp + B
 6  metric3d_vit_small    image f32 [1,3,616,1064]                 pred_depth f32 [1,1,616,1064]   1 / max(disp, MIN_DISP)
 7  intrinsics_vec        image f32 [1,3,192,640],                 depth f32 [1,1,192,640]         (1 / max(disp, MIN_DISP)) * fx / FX_REF
                          intrinsics f32 [1,4] (fx, fy, cx, cy, model-input pixels)
 8  intrinsics_k          image f32 [1,3,192,640], cam_K f32 [1,3,3] depth f32 [1,1,192,640]       (1 / max(disp, MIN_DISP)) * K[0,0,0] / FX_REF
 9  confidence_mask       image f32 [1,3,192,640]                  depth f32 [1,192,640]           1 + R8/8
                                                                   confidence f32 [1,192,640]      G8/255
                                                                   sky f32 [1,1,192,640]           1.0 where B8 > 127 else 0.0
10  vit_s_518             image f32 [1,3,518,518]                  depth f32 [1,518,518]           random-weight ViT-S/14 (benchmarks only)
11  student_as_da2        image f32 [1,3,518,518]                  depth f32 [1,518,518]           A*student(resize(x*std+mean)) + B
12  constant              image f32 [1,3,H,W] (dynamic)            depth f32 [1,1,H,W] (dynamic)   1 (the constant-depth baseline of check-real)

"height"/"width" in graph 2 are dim_param strings, the same on input and output.
Graph 9 does not use the GT code: R8, G8, B8 are the recovered 8-bit values themselves.

Normalisation each graph expects (scale, mean, std):
    ImageNet (1/255, IMAGENET_MEAN, IMAGENET_STD): graphs 1-5, 10, 11
    raw      (1, [0,0,0], [1,1,1]):               graph 6 (the real Metric3D export normalises inside)
    unit     (1/255, [0,0,0], [1,1,1]):           graphs 7, 8, 9

Graph 10 is a ViT-S/14-shaped net with random weights (torch.manual_seed(0)), exported with
torch.onnx.export (opset 14): patch embedding Conv2d(3,384,14,stride 14) -> 1369 tokens + learned
position embedding, 12 pre-norm encoder layers (d_model 384, 6 heads, MLP 1536, GELU), LayerNorm,
Linear(384 -> 14*14) per token, pixel shuffle to [1,518,518], ReLU. Its output is finite and >= 0.

Graph 11 embeds the student depth net (--student, default models/default/depth.onnx: image f32
[1,3,96,320] in 0..1 -> disp f32 [1,1,96,320], sigmoid disparity; its names get the prefix
"student/"): x*std+mean (ImageNet) -> Resize to [1,3,96,320] -> student -> Resize to
[1,1,518,518] -> Squeeze axis 1 -> A*disp + B. Both Resizes: mode linear, half_pixel.

All hand-built graphs use opset 13, IR version 8. Every model records its function in
metadata_props (all values are strings; lists are JSON):
    ssmde_test_graph          the graph's name
    ssmde_test_function       affine_disparity | metric_inverse | canonical_inverse |
                              intrinsics_vec_inverse | intrinsics_k_inverse | confidence_mask |
                              random_vit | student_affine
    ssmde_test_code           rgb24 (the GT code above) or none
    ssmde_test_disp_max       DISP_MAX (with code rgb24)
    ssmde_test_code_max       CODE_MAX (with code rgb24)
    ssmde_test_input_scale / ssmde_test_input_mean / ssmde_test_input_std   the normalisation
    ssmde_test_affine_scale / ssmde_test_affine_shift                      A, B (affine graphs)
    ssmde_test_min_disp       the clamp in 1/max(disp, .) (inverse graphs)
    ssmde_test_fx_ref         FX_REF (intrinsics graphs)
    ssmde_test_student_sha256 sha256 of the embedded student file (graph 11)
"""
import argparse
import hashlib
import io
import json
import os
import sys

try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    import onnx.compose
except ImportError as e:  # pragma: no cover
    sys.exit(f"make_graphs.py: cannot import onnx/numpy ({e}); install python3-onnx / python3-torch: make setup")

# --- the contract constants -------------------------------------------------------------------
DISP_MAX = 10.0                 # 1/m; disparity carried by code CODE_MAX
CODE_MAX = 2 ** 24 - 1          # 16777215
A = 3.7                         # affine scale of the "relative" graphs: out = A*disp + B
B = 0.25                        # affine shift
METRIC_MIN_DISP = 1.0 / 80.0    # da2_metric_outdoor: depth = 1 / max(disp, 1/80), in (0, 80]
MIN_DISP = 1e-3                 # metric3d / intrinsics graphs: 1 / max(disp, 1e-3)
FX_REF = 500.0                  # intrinsics graphs: depth scales with fx / FX_REF
SKY_THRESHOLD = 127             # confidence_mask: sky = 1 where B8 > 127
CONF_DEPTH_STEP = 1.0 / 8.0     # confidence_mask: depth = 1 + R8/8

IMAGENET = (1.0 / 255.0, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
RAW = (1.0, [0.0, 0.0, 0.0], [1.0, 1.0, 1.0])
UNIT = (1.0 / 255.0, [0.0, 0.0, 0.0], [1.0, 1.0, 1.0])

OPSET = 13
IR_VERSION = 8
VIT_OPSET = 14


def f32(v):
    return np.asarray(v, np.float32)


class Builder:
    """Accumulates nodes and initializers with unique names."""

    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def name(self, base):
        self.n += 1
        return f"{base}_{self.n}"

    def const(self, value, base="c", dtype=np.float32):
        n = self.name(base)
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype), n))
        return n

    def op(self, op_type, inputs, out=None, **attrs):
        out = out or self.name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=self.name(op_type), **attrs))
        return out

    def decode_rgb8(self, x, norm):
        """x (float32 [1,3,H,W]) -> (R8, G8, B8), each float32 [1,1,H,W] holding integers 0..255."""
        scale, mean, std = norm
        s = self.const(f32(std).reshape(1, 3, 1, 1), "std")
        m = self.const(f32(mean).reshape(1, 3, 1, 1), "mean")
        v = self.op("Add", [self.op("Mul", [x, s]), m])
        rgb8 = self.op("Round", [self.op("Div", [v, self.const(scale, "scale")])], "rgb8")
        r, g, b = "r8", "g8", "b8"
        self.nodes.append(helper.make_node("Split", [rgb8], [r, g, b], name=self.name("Split"), axis=1))
        return r, g, b

    def decode_disp(self, x, norm):
        """x (float32 [1,3,H,W]) -> disp float32 [1,1,H,W] by the GT code."""
        r, g, b = self.decode_rgb8(x, norm)
        code = self.op("Add", [self.op("Add", [self.op("Mul", [r, self.const(65536.0, "k65536")]),
                                               self.op("Mul", [g, self.const(256.0, "k256")])]), b], "code")
        return self.op("Mul", [self.op("Div", [code, self.const(float(CODE_MAX), "code_max")]),
                               self.const(DISP_MAX, "disp_max")], "disp")

    def affine(self, disp):
        return self.op("Add", [self.op("Mul", [disp, self.const(A, "A")]), self.const(B, "B")])

    def inverse(self, disp, min_disp):
        return self.op("Reciprocal", [self.op("Max", [disp, self.const(min_disp, "min_disp")])])

    def squeeze1(self, x, out):
        return self.op("Squeeze", [x, self.const([1], "axis1", np.int64)], out)


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def norm_meta(norm):
    scale, mean, std = norm
    return {"ssmde_test_input_scale": repr(scale), "ssmde_test_input_mean": json.dumps(mean),
            "ssmde_test_input_std": json.dumps(std)}


def code_meta():
    return {"ssmde_test_code": "rgb24", "ssmde_test_disp_max": repr(DISP_MAX), "ssmde_test_code_max": str(CODE_MAX)}


def affine_meta():
    return {"ssmde_test_affine_scale": repr(A), "ssmde_test_affine_shift": repr(B)}


def finish(b, graph_name, inputs, outputs, meta):
    g = helper.make_graph(b.nodes, graph_name, inputs, outputs, b.inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="ssmde make_graphs.py")
    model.ir_version = IR_VERSION
    return model, meta


def constant():
    """The constant-depth baseline: depth 1 everywhere, any input size (median scaling then makes it
    the median of the ground truth, the score a model must beat to have learned anything)."""
    b = Builder()
    first = b.op("Slice", ["image", b.const([0], "s0", np.int64), b.const([1], "s1", np.int64),
                           b.const([1], "ax", np.int64)])
    b.op("Add", [b.op("Mul", [first, b.const(0.0, "zero")]), b.const(1.0, "one")], "depth")
    meta = {"ssmde_test_function": "constant 1", "ssmde_test_code": "none", **norm_meta(UNIT)}
    return finish(b, "constant", [vi("image", TensorProto.FLOAT, [1, 3, "height", "width"])],
                  [vi("depth", TensorProto.FLOAT, [1, 1, "height", "width"])], meta)


# --- graphs 1-9 -------------------------------------------------------------------------------
def relative(name, in_name, out_name, h, w, elem=TensorProto.FLOAT):
    b = Builder()
    x = in_name
    if elem != TensorProto.FLOAT:
        x = b.op("Cast", [in_name], "image_f32", to=TensorProto.FLOAT)
    y = b.squeeze1(b.affine(b.decode_disp(x, IMAGENET)), out_name if elem == TensorProto.FLOAT else None)
    if elem != TensorProto.FLOAT:
        b.op("Cast", [y], out_name, to=elem)
    meta = {"ssmde_test_function": "affine_disparity", **code_meta(), **norm_meta(IMAGENET), **affine_meta()}
    return finish(b, name, [vi(in_name, elem, [1, 3, h, w])], [vi(out_name, elem, [1, h, w])], meta)


def da2_metric_outdoor():
    b = Builder()
    b.squeeze1(b.inverse(b.decode_disp("image", IMAGENET), METRIC_MIN_DISP), "depth")
    meta = {"ssmde_test_function": "metric_inverse", **code_meta(), **norm_meta(IMAGENET),
            "ssmde_test_min_disp": repr(METRIC_MIN_DISP)}
    return finish(b, "da2_metric_outdoor", [vi("image", TensorProto.FLOAT, [1, 3, 518, 518])],
                  [vi("depth", TensorProto.FLOAT, [1, 518, 518])], meta)


def metric3d_vit_small():
    b = Builder()
    b.op("Identity", [b.inverse(b.decode_disp("image", RAW), MIN_DISP)], "pred_depth")
    meta = {"ssmde_test_function": "canonical_inverse", **code_meta(), **norm_meta(RAW),
            "ssmde_test_min_disp": repr(MIN_DISP)}
    return finish(b, "metric3d_vit_small", [vi("image", TensorProto.FLOAT, [1, 3, 616, 1064])],
                  [vi("pred_depth", TensorProto.FLOAT, [1, 1, 616, 1064])], meta)


def intrinsics(name, k_name, k_shape):
    b = Builder()
    inv = b.inverse(b.decode_disp("image", UNIT), MIN_DISP)
    if len(k_shape) == 2:   # [1,4]: fx = intrinsics[:, 0:1] -> [1,1]
        fx = b.op("Slice", [k_name, b.const([0], "s0", np.int64), b.const([1], "s1", np.int64),
                            b.const([1], "ax", np.int64)], "fx")
    else:                   # [1,3,3]: fx = K[:, 0:1, 0:1] -> [1,1,1]
        fx = b.op("Slice", [k_name, b.const([0, 0], "s0", np.int64), b.const([1, 1], "s1", np.int64),
                            b.const([1, 2], "ax", np.int64)], "fx")
    b.op("Div", [b.op("Mul", [inv, fx]), b.const(FX_REF, "fx_ref")], "depth")
    meta = {"ssmde_test_function": "intrinsics_vec_inverse" if len(k_shape) == 2 else "intrinsics_k_inverse",
            **code_meta(), **norm_meta(UNIT), "ssmde_test_min_disp": repr(MIN_DISP), "ssmde_test_fx_ref": repr(FX_REF)}
    return finish(b, name, [vi("image", TensorProto.FLOAT, [1, 3, 192, 640]), vi(k_name, TensorProto.FLOAT, k_shape)],
                  [vi("depth", TensorProto.FLOAT, [1, 1, 192, 640])], meta)


def confidence_mask():
    b = Builder()
    r, g, bl = b.decode_rgb8("image", UNIT)
    b.squeeze1(b.op("Add", [b.const(1.0, "one"), b.op("Mul", [r, b.const(CONF_DEPTH_STEP, "step")])]), "depth")
    b.squeeze1(b.op("Div", [g, b.const(255.0, "k255")]), "confidence")
    b.op("Cast", [b.op("Greater", [bl, b.const(float(SKY_THRESHOLD), "sky_thr")])], "sky", to=TensorProto.FLOAT)
    meta = {"ssmde_test_function": "confidence_mask", "ssmde_test_code": "none", **norm_meta(UNIT),
            "ssmde_test_depth": "1 + R8/8", "ssmde_test_confidence": "G8/255",
            "ssmde_test_sky": f"B8 > {SKY_THRESHOLD}"}
    return finish(b, "confidence_mask", [vi("image", TensorProto.FLOAT, [1, 3, 192, 640])],
                  [vi("depth", TensorProto.FLOAT, [1, 192, 640]), vi("confidence", TensorProto.FLOAT, [1, 192, 640]),
                   vi("sky", TensorProto.FLOAT, [1, 1, 192, 640])], meta)


# --- graph 10: random ViT-S/14 ----------------------------------------------------------------
def vit_s_518():
    try:
        import torch
        from torch import nn
    except ImportError as e:
        sys.exit(f"make_graphs.py: cannot import torch ({e}); install python3-onnx / python3-torch: make setup")

    class Block(nn.Module):
        """Pre-norm encoder layer, attention written by hand: torch 1.13 exports nn.TransformerEncoderLayer
        in eval mode as aten::_transformer_encoder_layer_fwd (its fast path), which has no ONNX symbolic."""

        def __init__(self, d=384, heads=6, mlp=1536):
            super().__init__()
            self.h, self.dh = heads, d // heads
            self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
            self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
            self.mlp = nn.Sequential(nn.Linear(d, mlp), nn.GELU(), nn.Linear(mlp, d))

        def forward(self, x):
            n, t, d = x.shape
            qkv = self.qkv(self.norm1(x)).reshape(n, t, 3, self.h, self.dh).permute(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]                                  # [n, heads, t, dh]
            a = torch.softmax(q @ k.transpose(-2, -1) * (self.dh ** -0.5), dim=-1)
            x = x + self.proj((a @ v).transpose(1, 2).reshape(n, t, d))
            return x + self.mlp(self.norm2(x))

    class ViT(nn.Module):
        def __init__(self, size=518, patch=14, d=384, depth=12):
            super().__init__()
            self.g, self.p = size // patch, patch
            self.embed = nn.Conv2d(3, d, patch, stride=patch)
            self.pos = nn.Parameter(torch.randn(1, self.g * self.g, d) * 0.02)
            self.blocks = nn.Sequential(*[Block(d) for _ in range(depth)])
            self.norm = nn.LayerNorm(d)
            self.head = nn.Linear(d, patch * patch)

        def forward(self, image):
            x = self.embed(image).flatten(2).transpose(1, 2) + self.pos      # [1,1369,384]
            x = self.head(self.norm(self.blocks(x)))                          # [1,1369,196]
            g, p = self.g, self.p
            x = x.reshape(1, g, g, p, p).permute(0, 1, 3, 2, 4).reshape(1, g * p, g * p)
            return torch.relu(x)

    torch.manual_seed(0)
    net = ViT().eval()
    buf = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(net, torch.zeros(1, 3, 518, 518), buf, input_names=["image"], output_names=["depth"],
                          opset_version=VIT_OPSET, do_constant_folding=True)
    model = onnx.load_from_string(buf.getvalue())
    meta = {"ssmde_test_function": "random_vit", "ssmde_test_code": "none", **norm_meta(IMAGENET),
            "ssmde_test_seed": "0", "ssmde_test_arch": "vit-s/14 d384 h6 mlp1536 x12 pre-norm"}
    return model, meta


# --- graph 11: the student wrapped in the DA-v2 relative signature ----------------------------
def student_as_da2(student_path):
    try:
        with open(student_path, "rb") as f:
            raw = f.read()
    except OSError as e:
        sys.exit(f"make_graphs.py: student_as_da2 needs the student depth net (--student): {e}")
    student = onnx.load_from_string(raw)
    s_in = [i.name for i in student.graph.input if i.name not in {t.name for t in student.graph.initializer}]
    s_out = [o.name for o in student.graph.output]
    if s_in != ["image"] or s_out != ["disp"]:
        sys.exit(f"make_graphs.py: {student_path}: expected input image / output disp, got {s_in} / {s_out}")
    ops = {o.domain: o.version for o in student.opset_import}
    if ops.get("", ops.get("ai.onnx")) != OPSET:
        sys.exit(f"make_graphs.py: {student_path}: student opset {ops} != {OPSET}")
    student = onnx.compose.add_prefix(student, "student/")

    b = Builder()
    _, mean, std = IMAGENET
    x01 = b.op("Add", [b.op("Mul", ["image", b.const(f32(std).reshape(1, 3, 1, 1), "std")]),
                       b.const(f32(mean).reshape(1, 3, 1, 1), "mean")], "image01")
    b.op("Resize", [x01, "", "", b.const([1, 3, 96, 320], "in_size", np.int64)], "student/image",
         mode="linear", coordinate_transformation_mode="half_pixel")
    b.nodes.extend(student.graph.node)
    b.inits.extend(student.graph.initializer)
    up = b.op("Resize", ["student/disp", "", "", b.const([1, 1, 518, 518], "out_size", np.int64)], "disp_up",
              mode="linear", coordinate_transformation_mode="half_pixel")
    b.squeeze1(b.affine(up), "depth")
    meta = {"ssmde_test_function": "student_affine", "ssmde_test_code": "none", **norm_meta(IMAGENET),
            **affine_meta(), "ssmde_test_student_sha256": hashlib.sha256(raw).hexdigest(),
            "ssmde_test_student_input": "image f32 [1,3,96,320] scale 1/255 mean 0 std 1",
            "ssmde_test_student_output": "disp f32 [1,1,96,320] sigmoid_disparity"}
    return finish(b, "student_as_da2", [vi("image", TensorProto.FLOAT, [1, 3, 518, 518])],
                  [vi("depth", TensorProto.FLOAT, [1, 518, 518])], meta)


GRAPHS = {
    "da2_relative": lambda a: relative("da2_relative", "image", "depth", 518, 518),
    "da2_relative_dynamic": lambda a: relative("da2_relative_dynamic", "image", "depth", "height", "width"),
    "da2_relative_fp16": lambda a: relative("da2_relative_fp16", "image", "depth", 518, 518, TensorProto.FLOAT16),
    "da2_metric_outdoor": lambda a: da2_metric_outdoor(),
    "midas_v21_small": lambda a: relative("midas_v21_small", "input", "output", 256, 256),
    "metric3d_vit_small": lambda a: metric3d_vit_small(),
    "intrinsics_vec": lambda a: intrinsics("intrinsics_vec", "intrinsics", [1, 4]),
    "intrinsics_k": lambda a: intrinsics("intrinsics_k", "cam_K", [1, 3, 3]),
    "confidence_mask": lambda a: confidence_mask(),
    "vit_s_518": lambda a: vit_s_518(),
    "student_as_da2": lambda a: student_as_da2(a.student),
    "constant": lambda a: constant(),
}


def signature(model):
    def one(v):
        t = v.type.tensor_type
        dims = [d.dim_param if d.HasField("dim_param") else d.dim_value for d in t.shape.dim]
        return f"{v.name} {TensorProto.DataType.Name(t.elem_type).lower()} {dims}".replace("'", "")
    inits = {t.name for t in model.graph.initializer}
    ins = [one(v) for v in model.graph.input if v.name not in inits]
    return ", ".join(ins) + " -> " + ", ".join(one(v) for v in model.graph.output)


def write(outdir, name, model, meta):
    meta = {"ssmde_test_graph": name, **meta}
    del model.metadata_props[:]
    for k in sorted(meta):
        model.metadata_props.add(key=k, value=meta[k])
    onnx.checker.check_model(model)
    path = os.path.join(outdir, name + ".onnx")
    tmp = os.path.join(outdir, f".{name}.onnx.tmp{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(model.SerializeToString())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    print(f"wrote {path}: {signature(model)}", flush=True)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_student = os.path.normpath(os.path.join(here, "..", "..", "default", "depth.onnx"))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("outdir")
    p.add_argument("--only", default="", help="comma-separated graph names (default: all): " + ",".join(GRAPHS))
    p.add_argument("--student", default=default_student, help="student depth net for student_as_da2")
    a = p.parse_args()
    names = [n for n in a.only.split(",") if n] or list(GRAPHS)
    unknown = [n for n in names if n not in GRAPHS]
    if unknown:
        p.error(f"unknown graph(s) {','.join(unknown)}; known: {','.join(GRAPHS)}")
    os.makedirs(a.outdir, exist_ok=True)
    for n in names:
        model, meta = GRAPHS[n](a)
        write(a.outdir, n, model, meta)


if __name__ == "__main__":
    main()
