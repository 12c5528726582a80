"""Pose network: two stacked frames -> one relative camera motion.

Input ``frames`` [N,6,H,W]: the previous frame's 3 channels, then the current frame's,
each normalised as model.yaml ``input`` says (values in [0,1] by default).

Output ``pose`` [N,6]: axis-angle (radians, 3) then translation (3, model depth units) of
**T_prev_from_cur**, the rigid transform that maps a point in the current camera frame into
the previous camera frame: p_prev = R p_cur + t, R = Rodrigues(axis-angle)
(see ``layers.transformation_from_parameters`` with invert=False). The decoder's output is
multiplied by 0.01 as in Monodepth2, so an untrained net predicts almost the identity.
"""

import torch
import torch.nn as nn

POSE_SCALE = 0.01


class PoseDecoder(nn.Module):
    """1x1 squeeze, two 3x3 convs, 1x1 to 6 channels, spatial mean, × 0.01."""

    def __init__(self, num_ch_last, squeeze=256):
        super().__init__()
        self.squeeze = nn.Conv2d(num_ch_last, squeeze, 1)
        self.conv1 = nn.Conv2d(squeeze, squeeze, 3, padding=1)
        self.conv2 = nn.Conv2d(squeeze, squeeze, 3, padding=1)
        self.out = nn.Conv2d(squeeze, 6, 1)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, last_features):
        x = self.relu(self.squeeze(last_features))
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        x = self.out(x)
        return POSE_SCALE * x.mean(dim=(2, 3))


class PoseNet(nn.Module):
    """A 6-channel encoder (see encoders.build_encoder(name, 2)) and a PoseDecoder."""

    def __init__(self, encoder, squeeze=256):
        super().__init__()
        self.encoder = encoder
        self.decoder = PoseDecoder(encoder.num_ch_enc[-1], squeeze)

    def forward(self, frames):
        """frames [N,6,H,W] (prev, cur) -> [N,6] axis-angle + translation of T_prev_from_cur."""
        return self.decoder(self.encoder(frames)[-1])

    @staticmethod
    def split(pose):
        """[N,6] -> (axisangle [N,3], translation [N,3])."""
        return pose[:, :3], pose[:, 3:]
