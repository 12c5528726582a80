"""--pretrained: ImageNet encoder weights from torch's hub cache (a fake checkpoint in a temp TORCH_HOME)."""

import os
import shutil
import sys
import tempfile
import unittest

import torch
import torch.nn.functional as F
import torchvision.models as tvm

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from ssmde_recipe import options  # noqa: E402
from ssmde_recipe.build import build_model  # noqa: E402
from ssmde_recipe.model_config import ModelConfig  # noqa: E402
from ssmde_recipe.networks import ResnetEncoder, encoders  # noqa: E402

ENCODER_PREFIXES = ("conv1.", "bn1.", "layer1.", "layer2.", "layer3.", "layer4.")


class Pretrained(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.home = tempfile.mkdtemp()
        cls.saved_env = os.environ.get("TORCH_HOME")
        os.environ["TORCH_HOME"] = cls.home
        torch.manual_seed(1234)
        cls.state = tvm.resnet18(weights=None).state_dict()
        for k, v in cls.state.items():   # BN statistics that no calibration pass would give
            if k.endswith("running_mean"):
                v.uniform_(-0.5, 0.5)
            elif k.endswith("running_var"):
                v.uniform_(0.5, 2.0)
        folder = os.path.join(cls.home, "hub", "checkpoints")
        os.makedirs(folder)
        cls.file = os.path.join(folder, "resnet18-f37072fd.pth")
        torch.save(cls.state, cls.file)

    @classmethod
    def tearDownClass(cls):
        if cls.saved_env is None:
            os.environ.pop("TORCH_HOME", None)
        else:
            os.environ["TORCH_HOME"] = cls.saved_env
        shutil.rmtree(cls.home)

    def test_file_name_and_folder(self):
        self.assertEqual(encoders.imagenet_file(18), "resnet18-f37072fd.pth")
        self.assertEqual(encoders.hub_checkpoint_dir(), os.path.join(self.home, "hub", "checkpoints"))

    def test_encoder_weights_equal_the_file(self):
        enc = ResnetEncoder(18, pretrained=True)
        own = enc.state_dict()
        keys = [k for k in self.state if k.startswith(ENCODER_PREFIXES)]
        self.assertEqual(sorted(own), sorted(keys))          # everything but the fc head, nothing else
        for k in keys:
            self.assertTrue(torch.equal(own[k], self.state[k]), k)
        self.assertFalse(torch.equal(ResnetEncoder(18).conv1.weight, self.state["conv1.weight"]))

    def test_pose_conv1_is_the_mean_of_two_copies(self):
        enc = ResnetEncoder(18, num_input_images=2, pretrained=True)
        w = self.state["conv1.weight"]
        self.assertEqual(tuple(enc.conv1.weight.shape), (64, 6, 7, 7))
        self.assertTrue(torch.equal(enc.conv1.weight.detach(), torch.cat([w, w], 1) / 2))
        self.assertTrue(torch.equal(enc.layer4[1].conv2.weight, self.state["layer4.1.conv2.weight"]))
        # known answer: two identical frames give the response of one frame through the 3-channel conv
        x = torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(0))
        one = F.conv2d(x, w, stride=2, padding=3)
        two = F.conv2d(torch.cat([x, x], 1), encoders.widen_conv1(w, 2), stride=2, padding=3)
        self.assertTrue(torch.allclose(one, two, atol=1e-5))

    def test_build_model_keeps_imagenet_batchnorm(self):
        model = build_model(ModelConfig(encoder="resnet18", width=128, height=64), seed=0, pretrained=True)
        enc = model.depth.encoder.state_dict()
        for k in ("bn1.running_mean", "layer2.0.bn1.running_var", "layer3.1.conv1.weight"):
            self.assertTrue(torch.equal(enc[k], self.state[k]), k)
        pose = model.pose.encoder.state_dict()
        self.assertTrue(torch.equal(pose["layer1.0.bn2.running_mean"], self.state["layer1.0.bn2.running_mean"]))
        w = self.state["conv1.weight"]
        self.assertTrue(torch.equal(pose["conv1.weight"], torch.cat([w, w], 1) / 2))

    def test_missing_file_names_it_and_the_folder(self):
        empty = tempfile.mkdtemp()
        try:
            os.environ["TORCH_HOME"] = empty
            with self.assertRaises(FileNotFoundError) as ctx:
                ResnetEncoder(18, pretrained=True)
            msg = str(ctx.exception)
            self.assertIn("resnet18-f37072fd.pth", msg)
            self.assertIn(os.path.join(empty, "hub", "checkpoints"), msg)
            self.assertFalse(os.listdir(os.path.join(empty, "hub", "checkpoints")) if
                             os.path.isdir(os.path.join(empty, "hub", "checkpoints")) else [])  # nothing fetched
        finally:
            os.environ["TORCH_HOME"] = self.home
            shutil.rmtree(empty)

    def test_option(self):
        self.assertTrue(options.make_config(overrides={"encoder": "resnet18", "pretrained": True}).pretrained)
        with self.assertRaises(ValueError) as ctx:
            options.make_config(overrides={"pretrained": True})       # default encoder: lite
        self.assertIn("pretrained", str(ctx.exception))
        self.assertIn("lite", str(ctx.exception))


if __name__ == "__main__":
    unittest.main()
