"""The teacher that supplies the depth prior: an EMA of the student, or a frozen snapshot.

- ``ema``: θ_T ← m·θ_T + (1 − m)·θ_S after every optimiser step (m = ``teacher_ema_decay``);
  BatchNorm running statistics are copied from the student. The prior is used from
  ``distill_start_epoch`` on, so the average has time to settle.
- ``snapshot``: a frozen copy of the student taken at the start of ``teacher_snapshot_epoch``;
  the prior is used from max(snapshot epoch, ``distill_start_epoch``) on.
The teacher runs without gradients. ``bn: eval`` (the default) normalises with its running
statistics; ``bn: batch`` with the statistics of the batch it sees, as the student in train mode
does (its running statistics are left as they are), so a teacher equal to the student gives the
student's own output. Measured on the sim (batch 4): eval-mode teacher vs train-mode student differ
by mean |Δ ln D| 0.078 with identical weights, which the distillation turns into gradient.
"""

import copy

import torch


class Teacher:
    def __init__(self, kind, student_depth, ema_decay=0.999, snapshot_epoch=5, start_epoch=5, bn="eval"):
        if kind not in ("ema", "snapshot"):
            raise ValueError(f"unknown teacher {kind!r}")
        if bn not in ("eval", "batch"):
            raise ValueError(f"teacher bn must be eval or batch, got {bn!r}")
        self.kind, self.decay, self.bn = kind, ema_decay, bn
        self.snapshot_epoch, self.start_epoch = snapshot_epoch, start_epoch
        self.net = copy.deepcopy(student_depth).eval()
        for p in self.net.parameters():
            p.requires_grad_(False)
        self.taken = kind == "ema"   # a snapshot teacher exists only once taken

    @property
    def first_epoch(self):
        """The first epoch in which the prior is used."""
        return max(self.snapshot_epoch, self.start_epoch) if self.kind == "snapshot" else self.start_epoch

    def active(self, epoch):
        if self.kind == "snapshot":
            return self.taken and epoch >= max(self.snapshot_epoch, self.start_epoch)
        return epoch >= self.start_epoch

    @torch.no_grad()
    def on_epoch_start(self, epoch, student_depth):
        if self.kind == "snapshot" and not self.taken and epoch >= self.snapshot_epoch:
            self.net.load_state_dict(student_depth.state_dict())
            self.taken = True

    @torch.no_grad()
    def on_step(self, student_depth):
        if self.kind != "ema":
            return
        ema_update(self.net, student_depth, self.decay)

    @torch.no_grad()
    def __call__(self, images):
        self.net.eval()
        if self.bn == "batch":
            for m in self.net.modules():
                if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                    m.train()
                    m.momentum = 0.0   # running stats ← (1 − 0)·running + 0·batch: unchanged
        return self.net(images, scales=(0,))[("disp", 0)]

    def state_dict(self):
        return {"kind": self.kind, "taken": self.taken, "net": self.net.state_dict()}

    def load_state_dict(self, d):
        self.taken = d["taken"]
        self.net.load_state_dict(d["net"])


@torch.no_grad()
def ema_update(target, source, decay):
    """θ_T ← m·θ_T + (1 − m)·θ_S for parameters; buffers (BN statistics) copied."""
    for pt, ps in zip(target.parameters(), source.parameters()):
        pt.mul_(decay).add_(ps.detach(), alpha=1.0 - decay)
    for bt, bs in zip(target.buffers(), source.buffers()):
        bt.copy_(bs)
