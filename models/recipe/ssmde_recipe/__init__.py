"""SS-MDE training recipe: network definitions, ONNX export and the PyTorch reference.

The student depth net and the pose net follow the model contract of DESIGN.md §4:
``depth.onnx`` maps ``image`` [N,3,H,W] to a sigmoid disparity ``disp`` [N,1,H,W];
``pose.onnx`` maps ``frames`` [N,6,H,W] (previous then current) to ``pose`` [N,6]
= axis-angle (3) + translation (3) of T_prev_from_cur.
"""

__version__ = "0.1.0"
