"""Image encoders returning five feature maps at strides 2, 4, 8, 16 and 32.

Both encoders take images scaled to [0, 1] (model.yaml: scale 1/255, mean 0, std 1) and
normalise them inside the net as Monodepth2 does, (x − 0.45) / 0.225, so the exported graph
needs no ImageNet statistics. ``num_input_images`` stacks frames on the channel axis
(the pose net uses 2: 6 channels). Each encoder has ``num_ch_enc``, the channels of its outputs.

``pretrained`` (resnets only) starts from torchvision's ImageNet weights (IMAGENET1K_V1, the weights
Monodepth2 used). Nothing is downloaded: the file must already be in torch's hub cache,
``$TORCH_HOME/hub/checkpoints`` (default ``~/.cache/torch/hub/checkpoints``), under torchvision's own
file name (``imagenet_file``); a missing file is an error that names it and the folder.
"""

import os
from urllib.parse import urlparse

import torch
import torch.nn as nn
import torchvision.models as tvm

IMAGE_MEAN = 0.45
IMAGE_STD = 0.225

_RESNETS = {18: tvm.resnet18, 34: tvm.resnet34, 50: tvm.resnet50}
_IMAGENET = {18: tvm.ResNet18_Weights.IMAGENET1K_V1, 34: tvm.ResNet34_Weights.IMAGENET1K_V1,
             50: tvm.ResNet50_Weights.IMAGENET1K_V1}


def hub_checkpoint_dir():
    """Where torch keeps downloaded weights: torch.hub.get_dir()/checkpoints (honours TORCH_HOME)."""
    return os.path.join(torch.hub.get_dir(), "checkpoints")


def imagenet_file(num_layers):
    """torchvision's file name of the ImageNet weights of resnet``num_layers``, e.g. resnet18-f37072fd.pth."""
    return os.path.basename(urlparse(_IMAGENET[num_layers].url).path)


def imagenet_state_dict(num_layers):
    """The ImageNet state dict of resnet``num_layers`` from the hub cache, via torchvision's weights enum.

    The file is looked for first, so torchvision's loader never starts a download.
    """
    weights = _IMAGENET[num_layers]
    folder, name = hub_checkpoint_dir(), imagenet_file(num_layers)
    if not os.path.isfile(os.path.join(folder, name)):
        raise FileNotFoundError(
            f"pretrained: no ImageNet weights for resnet{num_layers}: put torchvision's {name} ({weights.url}) "
            f"in {folder} (torch's hub cache, $TORCH_HOME/hub/checkpoints; nothing is downloaded here), "
            "or set pretrained false")
    return weights.get_state_dict(progress=False)


def widen_conv1(weight, num_input_images):
    """Monodepth2's multi-image conv1 from 3-channel weights: cat([w] * n, dim=1) / n.

    A stack of n identical images then gives the same response as one image through the original conv.
    """
    return torch.cat([weight] * num_input_images, dim=1) / num_input_images


def _normalise(x):
    return (x - IMAGE_MEAN) / IMAGE_STD


class ResnetEncoder(nn.Module):
    """A torchvision ResNet (18, 34 or 50) cut before its pooling head.

    Random init, or with ``pretrained`` the ImageNet weights from the hub cache (never downloaded).
    For ``num_input_images`` > 1, conv1 is widened to 3·n input channels (Monodepth2's pose
    encoder): initialised like torchvision's own conv1, or ``widen_conv1`` of the pretrained one.
    """

    def __init__(self, num_layers=18, num_input_images=1, pretrained=False):
        super().__init__()
        if num_layers not in _RESNETS:
            raise ValueError(f"resnet{num_layers} is not supported; choose one of {sorted(_RESNETS)}")
        self.num_layers = num_layers
        self.num_input_images = num_input_images
        self.pretrained = pretrained
        net = _RESNETS[num_layers](weights=None)
        if pretrained:
            net.load_state_dict(imagenet_state_dict(num_layers))
        if num_input_images != 1:
            w3 = net.conv1.weight.detach().clone()
            net.conv1 = nn.Conv2d(3 * num_input_images, 64, kernel_size=7, stride=2, padding=3, bias=False)
            nn.init.kaiming_normal_(net.conv1.weight, mode="fan_out", nonlinearity="relu")
            if pretrained:
                with torch.no_grad():
                    net.conv1.weight.copy_(widen_conv1(w3, num_input_images))
        self.conv1, self.bn1, self.relu, self.maxpool = net.conv1, net.bn1, net.relu, net.maxpool
        self.layer1, self.layer2, self.layer3, self.layer4 = net.layer1, net.layer2, net.layer3, net.layer4
        expansion = 4 if num_layers >= 50 else 1
        self.num_ch_enc = [64, 64 * expansion, 128 * expansion, 256 * expansion, 512 * expansion]

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(_normalise(x))))
        f1 = self.layer1(self.maxpool(x))
        f2 = self.layer2(f1)
        f3 = self.layer3(f2)
        f4 = self.layer4(f3)
        return [x, f1, f2, f3, f4]


def _conv_bn(cin, cout, k, stride=1, groups=1, relu=True):
    layers = [nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, groups=groups, bias=False),
              nn.BatchNorm2d(cout)]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    """MobileNetV2-style block: 1x1 expand, 3x3 depthwise (stride 1 or 2), 1x1 project.

    A residual connection is added when input and output shapes match; otherwise the
    shortcut is a strided 1x1 conv + BN, so every block has a skip path.
    """

    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        mid = cin * expand
        self.body = nn.Sequential(
            _conv_bn(cin, mid, 1),
            _conv_bn(mid, mid, 3, stride=stride, groups=mid),
            _conv_bn(mid, cout, 1, relu=False),
        )
        self.shortcut = None if (stride == 1 and cin == cout) else _conv_bn(cin, cout, 1, stride=stride, relu=False)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        skip = x if self.shortcut is None else self.shortcut(x)
        return self.relu(self.body(x) + skip)


class LiteEncoder(nn.Module):
    """A small encoder (~0.5 M params) of Conv, BatchNorm, ReLU and Add only.

    Stem: two 3x3 convs (the first strided) give the stride-2 features. Then four stages,
    each a strided InvertedResidual followed by ``depths[i] − 1`` stride-1 ones.
    """

    def __init__(self, num_input_images=1, widths=(16, 24, 48, 96, 160), depths=(1, 2, 3, 2), expand=4):
        super().__init__()
        if len(widths) != 5 or len(depths) != 4:
            raise ValueError("LiteEncoder needs 5 widths and 4 stage depths")
        self.num_input_images = num_input_images
        self.stem = nn.Sequential(
            _conv_bn(3 * num_input_images, widths[0], 3, stride=2),
            _conv_bn(widths[0], widths[0], 3),
        )
        stages = []
        for i in range(4):
            cin, cout = widths[i], widths[i + 1]
            blocks = [InvertedResidual(cin, cout, 2, expand)]
            blocks += [InvertedResidual(cout, cout, 1, expand) for _ in range(depths[i] - 1)]
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.ModuleList(stages)
        self.num_ch_enc = list(widths)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.stem(_normalise(x))
        feats = [x]
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
        return feats


def build_encoder(name, num_input_images=1, pretrained=False):
    """Encoder by name: "lite", "resnet18", "resnet34" or "resnet50" (``pretrained``: resnets only)."""
    if name == "lite":
        if pretrained:
            raise ValueError("pretrained: there are no ImageNet weights for the lite encoder; use a resnet encoder")
        return LiteEncoder(num_input_images=num_input_images)
    if name.startswith("resnet") and name[len("resnet"):].isdigit():
        return ResnetEncoder(int(name[len("resnet"):]), num_input_images=num_input_images, pretrained=pretrained)
    raise ValueError(f"unknown encoder {name!r}; choose lite, resnet18, resnet34 or resnet50")
