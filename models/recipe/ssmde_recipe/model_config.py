"""The architecture of one SS-MDE student: enough to rebuild its nets from weights.pt."""

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Optional, Tuple

ENCODERS = ("lite", "resnet18", "resnet34", "resnet50")

# Per-encoder defaults for the parts a config may leave as None.
_PRESETS = {
    # The small default: decoder of zero-padded 3x3 convs and ReLU only (no Pad/Elu ops).
    "lite": dict(decoder_channels=(8, 16, 32, 64, 128), decoder_pad="zeros", decoder_act="relu",
                 pose_squeeze=64),
    # Monodepth2's decoder: reflection padding and ELU.
    "resnet": dict(decoder_channels=(16, 32, 64, 128, 256), decoder_pad="reflect", decoder_act="elu",
                   pose_squeeze=256),
}


@dataclass
class ModelConfig:
    encoder: str = "lite"
    width: int = 640
    height: int = 192
    min_depth: float = 0.1
    max_depth: float = 100.0
    scales: Tuple[int, ...] = (0, 1, 2, 3)
    pose: bool = True
    pose_encoder: Optional[str] = None          # None: same kind as ``encoder``
    decoder_channels: Optional[Tuple[int, ...]] = None
    decoder_pad: Optional[str] = None           # "reflect" or "zeros"
    decoder_act: Optional[str] = None           # "elu" or "relu"
    pose_squeeze: Optional[int] = None
    # Normalised training intrinsics (KITTI-like defaults) written to model.yaml.
    intrinsics: Tuple[float, float, float, float] = field(default=(0.58, 1.92, 0.5, 0.5))
    seed: int = 0

    def resolved(self):
        """A copy with every None replaced by the encoder's preset, validated."""
        if self.encoder not in ENCODERS:
            raise ValueError(f"unknown encoder {self.encoder!r}; choose one of {', '.join(ENCODERS)}")
        preset = _PRESETS["lite" if self.encoder == "lite" else "resnet"]
        cfg = replace(self, pose_encoder=self.pose_encoder or self.encoder)
        for k, v in preset.items():
            if getattr(cfg, k) is None:
                cfg = replace(cfg, **{k: v})
        cfg = replace(cfg, decoder_channels=tuple(cfg.decoder_channels), scales=tuple(cfg.scales),
                      intrinsics=tuple(cfg.intrinsics))
        cfg.validate()
        return cfg

    def validate(self):
        if self.pose_encoder is not None and self.pose_encoder not in ENCODERS:
            raise ValueError(f"unknown pose encoder {self.pose_encoder!r}")
        if self.width <= 0 or self.height <= 0 or self.width % 32 or self.height % 32:
            raise ValueError(f"input {self.width}x{self.height}: width and height must be positive "
                             "multiples of 32 (the encoders downsample 5 times)")
        if not (0 < self.min_depth < self.max_depth):
            raise ValueError(f"need 0 < min_depth < max_depth, got {self.min_depth}, {self.max_depth}")
        if 0 not in self.scales or any(s not in (0, 1, 2, 3, 4) for s in self.scales):
            raise ValueError(f"scales must include 0 and lie in 0..4, got {self.scales}")
        if self.decoder_channels is not None and len(self.decoder_channels) != 5:
            raise ValueError("decoder_channels needs 5 values")

    def to_dict(self):
        d = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}

    @classmethod
    def from_dict(cls, d):
        """Build from a dict (e.g. model.yaml's recipe section); unknown keys are ignored."""
        names = {f.name for f in fields(cls)}
        kw = {k: (tuple(v) if isinstance(v, list) else v) for k, v in d.items() if k in names}
        return cls(**kw)
