"""Monodepth2's split files for KITTI raw: exactly the listed frames, and no test drive in training.

A split folder (config ``split_dir``) holds ``train_files.txt`` and, optionally, ``val_files.txt``,
one frame per line:

    2011_09_26/2011_09_26_drive_0001_sync 0000000123 l

the drive folder relative to the data root, the frame index (the image file's stem as a number)
and the camera: ``l`` = image_02, ``r`` = image_03 (Monodepth2's eigen_zhou, eigen_full, odom...).
A training line is used only when its neighbours at ``frame_offsets`` are the adjacent files of
the same folder; the others are dropped and counted. A missing drive folder is an error.

Test leakage: when the folder also holds ``test_files.txt`` or ``eigen_test_files.txt`` (the same
format; Monodepth2's eigen test list is splits/eigen/test_files.txt), a train or val line on a drive
of the test list is refused, naming the drive.
"""

import os
from collections import OrderedDict, namedtuple

from . import kitti
from .common import stem

TRAIN_FILE = "train_files.txt"
VAL_FILE = "val_files.txt"
TEST_FILES = ("test_files.txt", "eigen_test_files.txt")
CAMERAS = {"l": "02", "r": "03"}

SplitLine = namedtuple("SplitLine", "folder frame side where")
Selection = namedtuple("Selection", "scenes items lines dropped_frame dropped_neighbour")


def read_split(path):
    """The lines of a split file as SplitLine(folder, frame, side, "file:line"); blank lines skipped.

    A line without a side is the left camera (Monodepth2's odometry lists have all three fields,
    some hand-made lists only two).
    """
    out = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            where = f"{path}:{n}"
            if len(parts) not in (2, 3):
                raise ValueError(f"{where}: expected 'FOLDER FRAME l|r', got {line.strip()!r}")
            side = parts[2] if len(parts) == 3 else "l"
            if side not in CAMERAS:
                raise ValueError(f"{where}: camera side must be l (image_02) or r (image_03), got {side!r}")
            try:
                frame = int(parts[1])
            except ValueError:
                raise ValueError(f"{where}: frame index must be an integer, got {parts[1]!r}") from None
            out.append(SplitLine(parts[0].strip("/"), frame, side, where))
    return out


def drive(folder):
    """The drive a line's folder names ("2011_09_26/2011_09_26_drive_0001_sync" -> its last part)."""
    return os.path.basename(os.path.normpath(folder))


def test_list(split_dir):
    """The test list in ``split_dir`` (first of TEST_FILES that exists), or None."""
    return next((os.path.join(split_dir, n) for n in TEST_FILES if os.path.exists(os.path.join(split_dir, n))), None)


def check_leakage(lines, test_lines, what, test_path):
    """Raise when any of ``lines`` is on a drive of ``test_lines``, naming the drive (and a line)."""
    test_drives = {drive(t.folder) for t in test_lines}
    for ln in lines:
        if drive(ln.folder) in test_drives:
            n = sum(drive(x.folder) == drive(ln.folder) for x in lines)
            raise ValueError(f"{what}: drive {drive(ln.folder)} is in the test list {test_path} "
                             f"({n} line(s), first {ln.where}); training or validating on a test drive leaks "
                             "the test set: remove its lines or use a split without it (e.g. eigen_zhou)")


def frame_number(path):
    try:
        return int(stem(path))
    except ValueError:
        return None


def select(root, lines, offsets=(-1, 1), load_scene=kitti.load_scene):
    """Scenes and TripletDataset items for split lines under the data ``root``.

    One Scene per (folder, camera), in order of first appearance; an item (scene index, position) per
    line whose frame exists and whose neighbours frame+o (o in ``offsets``) are the files at
    position+o. Returns Selection(scenes, items, lines used, dropped for a missing frame, dropped for a
    missing neighbour).
    """
    scenes, index, keys = [], [], OrderedDict()
    items, used, no_frame, no_neighbour = [], 0, 0, 0
    for ln in lines:
        key = (ln.folder, ln.side)
        if key not in keys:
            folder = os.path.join(root, ln.folder)
            if not os.path.isdir(folder):
                raise ValueError(f"{ln.where}: no drive folder {folder} under the data root {root} "
                                 "(download and unpack that drive, or remove its lines from the split)")
            scene = load_scene(folder, ln.folder, CAMERAS[ln.side])
            keys[key] = len(scenes)
            scenes.append(scene)
            index.append({frame_number(p): i for i, p in enumerate(scene.images)})
        si = keys[key]
        pos = index[si].get(ln.frame)
        if pos is None:
            no_frame += 1
            continue
        if any(index[si].get(ln.frame + o) != pos + o for o in offsets):
            no_neighbour += 1
            continue
        items.append((si, pos))
        used += 1
    return Selection(scenes, items, used, no_frame, no_neighbour)


def load(root, split_dir, offsets=(-1, 1), log=None):
    """Train (and val) selections of ``split_dir`` under ``root``: {"train": Selection, "val": Selection|None}.

    Validation takes its frames without neighbours. Logs how many lines each file kept and dropped.
    """
    train_path = os.path.join(split_dir, TRAIN_FILE)
    if not os.path.exists(train_path):
        raise FileNotFoundError(f"split_dir {split_dir}: no {TRAIN_FILE} (Monodepth2 split format: "
                                "lines 'DATE/DRIVE_sync FRAME l|r')")
    lists = {"train": read_split(train_path)}
    val_path = os.path.join(split_dir, VAL_FILE)
    if os.path.exists(val_path):
        lists["val"] = read_split(val_path)
    tp = test_list(split_dir)
    if tp:
        test_lines = read_split(tp)
        for what, lines in lists.items():
            check_leakage(lines, test_lines, f"split_dir {what} list", tp)
    elif log:
        log(f"split {split_dir}: no {' or '.join(TEST_FILES)} here, test-drive leakage not checked")
    out = {"train": None, "val": None}
    for what, lines in lists.items():
        sel = select(root, lines, tuple(offsets) if what == "train" else ())
        out[what] = sel
        if log:
            log(f"split {what}: {sel.lines} of {len(lines)} lines used in {len(sel.scenes)} drive camera(s); "
                f"dropped {sel.dropped_frame} without the frame, {sel.dropped_neighbour} without neighbours "
                f"at {tuple(offsets) if what == 'train' else '()'}")
        if not sel.items:
            raise ValueError(f"split_dir {split_dir}: no usable {what} lines under {root} "
                             f"({sel.dropped_frame} frames missing, {sel.dropped_neighbour} without neighbours)")
    return out
