"""Monodepth2-style multi-scale depth decoder.

From the deepest features up: conv, nearest 2x upsampling, concatenation with the encoder's
skip features, conv. Sigmoid disparity heads at the requested scales (scale s has 1/2^s of
the input resolution). ``forward`` returns {("disp", s): [N,1,H/2^s,W/2^s]}.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class ReflectPad1(nn.Module):
    """Reflection padding by one pixel on each side (same as nn.ReflectionPad2d(1)).

    Written with slices and concatenation: torch 1.13 exports ReflectionPad2d as a Pad whose
    pads are computed by a dozen shape ops at run time; Slice + Concat are plain and foldable.
    """

    def forward(self, x):
        x = torch.cat([x[:, :, 1:2], x, x[:, :, -2:-1]], dim=2)
        return torch.cat([x[:, :, :, 1:2], x, x[:, :, :, -2:-1]], dim=3)


class Conv3x3(nn.Module):
    """3x3 convolution with reflection or zero padding (same spatial size)."""

    def __init__(self, cin, cout, pad="reflect"):
        super().__init__()
        if pad == "reflect":
            self.pad = ReflectPad1()
            self.conv = nn.Conv2d(cin, cout, 3)
        elif pad == "zeros":
            self.pad = nn.Identity()
            self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        else:
            raise ValueError(f"pad must be 'reflect' or 'zeros', got {pad!r}")

    def forward(self, x):
        return self.conv(self.pad(x))


class ConvBlock(nn.Module):
    """Conv3x3 followed by ELU or ReLU."""

    def __init__(self, cin, cout, pad="reflect", act="elu"):
        super().__init__()
        self.conv = Conv3x3(cin, cout, pad)
        if act == "elu":
            self.act = nn.ELU(inplace=True)
        elif act == "relu":
            self.act = nn.ReLU(inplace=True)
        else:
            raise ValueError(f"act must be 'elu' or 'relu', got {act!r}")

    def forward(self, x):
        return self.act(self.conv(x))


class Sigmoid(nn.Module):
    """The logistic function, exported as 1 / (1 + exp(−x)) instead of an ONNX Sigmoid node.

    ONNX Runtime's CPU Sigmoid is a fast approximation whose relative error reaches ~4e-4 for
    outputs below 1e-3; Exp + Reciprocal are accurate to float32 rounding, so the exported graph
    matches eager torch.sigmoid to ~1e-6 relative over the whole range (the parity test needs 1e-4).
    """

    def forward(self, x):
        if torch.onnx.is_in_onnx_export():
            return torch.reciprocal(1.0 + torch.exp(-x))
        return torch.sigmoid(x)


def upsample(x):
    """Nearest-neighbour 2x upsampling (ONNX Resize, mode nearest)."""
    return F.interpolate(x, scale_factor=2, mode="nearest")


class DepthDecoder(nn.Module):
    def __init__(self, num_ch_enc, num_ch_dec=(16, 32, 64, 128, 256), scales=(0, 1, 2, 3),
                 use_skips=True, pad="reflect", act="elu"):
        super().__init__()
        if len(num_ch_enc) != 5 or len(num_ch_dec) != 5:
            raise ValueError("DepthDecoder needs 5 encoder and 5 decoder channel counts")
        self.num_ch_enc = list(num_ch_enc)
        self.num_ch_dec = list(num_ch_dec)
        self.scales = tuple(scales)
        self.use_skips = use_skips
        self.upconv0 = nn.ModuleList()
        self.upconv1 = nn.ModuleList()
        for i in range(5):  # index i produces features at stride 2^i; built deepest first in forward
            cin = self.num_ch_enc[-1] if i == 4 else self.num_ch_dec[i + 1]
            self.upconv0.append(ConvBlock(cin, self.num_ch_dec[i], pad, act))
            cin = self.num_ch_dec[i] + (self.num_ch_enc[i - 1] if use_skips and i > 0 else 0)
            self.upconv1.append(ConvBlock(cin, self.num_ch_dec[i], pad, act))
        self.dispconv = nn.ModuleDict({str(s): Conv3x3(self.num_ch_dec[s], 1, pad) for s in self.scales})
        self.sigmoid = Sigmoid()

    def forward(self, features, scales=None):
        """``features``: the encoder's 5 maps. ``scales``: heads to compute (default all)."""
        scales = self.scales if scales is None else tuple(scales)
        outputs = {}
        x = features[-1]
        for i in range(4, -1, -1):
            x = upsample(self.upconv0[i](x))
            if self.use_skips and i > 0:
                x = torch.cat([x, features[i - 1]], dim=1)
            x = self.upconv1[i](x)
            if i in scales:
                outputs[("disp", i)] = self.sigmoid(self.dispconv[str(i)](x))
        return outputs


class DepthNet(nn.Module):
    """Encoder + decoder; forward returns the decoder's multi-scale dict."""

    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, image, scales=None):
        return self.decoder(self.encoder(image), scales)


class DepthExport(nn.Module):
    """What depth.onnx computes: image [N,3,H,W] in [0,1] -> scale-0 disparity [N,1,H,W]."""

    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, image):
        return self.decoder(self.encoder(image), scales=(0,))[("disp", 0)]
