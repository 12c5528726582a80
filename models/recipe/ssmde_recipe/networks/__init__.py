"""Networks of the SS-MDE student: encoders, the multi-scale depth decoder, the pose net."""

from .encoders import LiteEncoder, ResnetEncoder, build_encoder
from .depth_decoder import DepthDecoder, DepthExport, DepthNet
from .pose_net import PoseDecoder, PoseNet

__all__ = ["LiteEncoder", "ResnetEncoder", "build_encoder", "DepthDecoder", "DepthExport",
           "DepthNet", "PoseDecoder", "PoseNet"]
