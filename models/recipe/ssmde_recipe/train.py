"""Train the SS-MDE student (self-supervised, CPU by default, torchrun-compatible).

    python3 -m ssmde_recipe.train (--preset full | --config CONFIG.yaml) --data ROOT --out RUN_DIR
        [--epochs N --batch-size B --width W --height H --encoder lite|resnet18 --lr LR]
        [--threads T --device cpu|cuda --num-workers N --max-steps N --seed S --val-data ROOT]
        [--pretrained|--no-pretrained] [--split-dir SPLIT] [--amp|--no-amp]
        [--set key=value ...] [--resume [CKPT]] [--benchmark N]

Presets are the ablation rows in models/recipe/configs/ (photometric, pseudo, forgetting, teacher,
full) and ``kitti`` (full SS-MDE at Monodepth2's KITTI budget, a GPU run); ``--set`` overrides any
TrainConfig key (options.py). ``--resume`` without a path continues
RUN_DIR/checkpoints/last.pt. Several processes: ``torchrun --nproc_per_node K -m ssmde_recipe.train ...``
(WORLD_SIZE set: env:// init, gloo on CPU, nccl on CUDA; rank 0 logs, validates and saves).
``--benchmark N`` times N optimiser steps after 2 warm-up steps and prints seconds per iteration.
Export a run with ``python3 -m ssmde_recipe.export --run RUN_DIR --out MODEL_DIR``.
"""

import argparse
import json
import os
import sys
import time

import yaml

from .options import PRESETS, TrainConfig, make_config


def _parse_set(items):
    out = {}
    known = TrainConfig.keys()
    for item in items or []:
        if "=" not in item:
            raise ValueError(f"--set needs key=value, got {item!r}")
        k, v = item.split("=", 1)
        if k not in known:
            raise ValueError(f"--set: unknown key {k!r}")
        out[k] = yaml.safe_load(v)
    return out


def parser():
    p = argparse.ArgumentParser(prog="python3 -m ssmde_recipe.train", description=__doc__.split("\n")[0])
    g = p.add_mutually_exclusive_group()
    g.add_argument("--preset", choices=PRESETS)
    g.add_argument("--config")
    p.add_argument("--data")
    p.add_argument("--val-data")
    p.add_argument("--out")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--width", type=int)
    p.add_argument("--height", type=int)
    p.add_argument("--encoder", choices=("lite", "resnet18", "resnet34", "resnet50"))
    p.add_argument("--lr", type=float)
    p.add_argument("--threads", type=int, help="torch.set_num_threads")
    p.add_argument("--device")
    p.add_argument("--num-workers", type=int, help="DataLoader workers (-1: auto, min(4, CPUs) on CUDA, 0 on CPU)")
    p.add_argument("--pretrained", action=argparse.BooleanOptionalAction, default=None,
                   help="resnet encoders from ImageNet weights in $TORCH_HOME/hub/checkpoints (never downloaded)")
    p.add_argument("--split-dir", help="Monodepth2 split folder: train_files.txt, val_files.txt (KITTI raw)")
    p.add_argument("--amp", action=argparse.BooleanOptionalAction, default=None,
                   help="CUDA mixed precision (autocast float16 + GradScaler); refused on the CPU")
    p.add_argument("--max-steps", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="override any config key")
    p.add_argument("--resume", nargs="?", const="auto", help="checkpoint to continue (default RUN/checkpoints/last.pt)")
    p.add_argument("--benchmark", type=int, metavar="N", help="time N steps and exit")
    return p


def main(argv=None):
    a = parser().parse_args(argv)
    overrides = dict(data=a.data, val_data=a.val_data, out=a.out, epochs=a.epochs, batch_size=a.batch_size,
                     width=a.width, height=a.height, encoder=a.encoder, lr=a.lr, threads=a.threads,
                     device=a.device, num_workers=a.num_workers, max_steps=a.max_steps, seed=a.seed,
                     pretrained=a.pretrained, split_dir=a.split_dir, amp=a.amp)
    try:
        overrides.update(_parse_set(a.set))
        cfg = make_config(a.preset, a.config, overrides)
        if not cfg.data or not cfg.out:
            raise ValueError("--data and --out are required")
        from .trainer import Trainer
        trainer = Trainer(cfg)
        if a.resume:
            path = os.path.join(cfg.out, "checkpoints", "last.pt") if a.resume == "auto" else a.resume
            trainer.resume(path)
        if a.benchmark:
            return benchmark(trainer, a.benchmark)
        summary = trainer.train()
    except (ValueError, FileNotFoundError) as e:
        print(f"train: {e}", file=sys.stderr)
        return 1
    if summary and trainer.main:
        print(json.dumps({"all": summary["all"], "moving": summary["moving"],
                          "metric_scale": summary["metric_scale"]}, indent=1))
    return 0


def benchmark(trainer, n):
    import torch
    sync = torch.cuda.synchronize if trainer.device.type == "cuda" else (lambda: None)
    times = []
    it = iter(trainer.loader(0, 0))
    for i in range(n + 2):
        try:
            batch = next(it)
        except StopIteration:
            it = iter(trainer.loader(0, 0))
            batch = next(it)
        sync()
        t0 = time.perf_counter()
        trainer.train_step(batch)
        sync()
        if i >= 2:
            times.append(time.perf_counter() - t0)
    times.sort()
    c = trainer.cfg
    print(json.dumps({"encoder": c.encoder, "width": c.width, "height": c.height, "batch_size": c.batch_size,
                      "device": str(trainer.device), "amp": trainer.amp,
                      "threads": torch.get_num_threads(), "steps": n,
                      "median_s_per_iter": times[len(times) // 2], "min_s_per_iter": times[0],
                      "steps_per_epoch": trainer.steps_per_epoch,
                      "epoch_s_estimate": round(times[len(times) // 2] * trainer.steps_per_epoch, 1),
                      "teacher_active": bool(trainer.teacher and trainer.teacher.active(trainer.epoch)),
                      "mask_filter": c.mask_filter, "pseudo": c.pseudo_source}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
