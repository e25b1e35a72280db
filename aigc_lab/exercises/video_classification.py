"""Checks for the exercises of notebooks/05_video/01_classification.

Checks a to c compare the learner's function with the package's own (``conv3d.mid_channels``, the
parameters of a real ``conv3d.Conv2Plus1D``, ``metrics.confusion_matrix``) on inputs made up here; d probes
the learner's causal (2+1)D block (no output frame sees a later input frame) and trains it briefly in a tiny
classifier of dots moving left or right.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .. import metrics
from ..video import conv3d
from . import exercise

_SHAPES = [(3, 16, 3), (16, 32, 3), (32, 32, 3), (8, 64, 5), (1, 1, 3), (64, 16, 1)]


@exercise("05_video.01.a", kind="function",
          hint="Tran et al.'s eq. 1: floor(k**3 * c_in * c_out / (k**2 * c_in + k * c_out)); use integer division //.")
def _mid_channels(answer) -> bool:
    return all(int(answer(c_in, c_out, k)) == conv3d.mid_channels(c_in, c_out, k) for c_in, c_out, k in _SHAPES)


@exercise("05_video.01.b", kind="function",
          hint="Two convolutions with biases: spatial has mid * (c_in * k * k + 1) weights, temporal c_out * (mid * k + 1).")
def _conv2plus1d_params(answer) -> bool:
    for c_in, c_out, k in _SHAPES:
        for mid in (conv3d.mid_channels(c_in, c_out, k), 7):
            layer = conv3d.Conv2Plus1D(c_in, c_out, k, mid=mid)
            if int(answer(c_in, c_out, k, mid)) != sum(p.numel() for p in layer.parameters()):
                return False
    return True


@exercise("05_video.01.c", kind="function",
          hint="A (classes, classes) tensor of zeros; add 1 at [true, predicted] for every clip (rows are the truth).")
def _confusion(answer) -> bool:
    generator = torch.Generator().manual_seed(5)
    for n, classes in ((50, 6), (7, 3), (200, 4)):
        y_true = torch.randint(0, classes, (n,), generator=generator)
        y_pred = torch.randint(0, classes, (n,), generator=generator)
        mine = torch.as_tensor(answer(y_true, y_pred, classes))
        expected = metrics.confusion_matrix(y_true, y_pred, num_classes=classes)
        if mine.shape != expected.shape or not torch.equal(mine.long(), expected.long()):
            return False
    return True


# --------------------------------------------------------------------------- d: a causal (2+1)D block
def _dots(n: int, generator: torch.Generator, frames: int = 6, size: int = 8):
    """(n, 1, frames, size, size) clips of one bright pixel moving one column a frame, and their labels:
    0 moving left, 1 moving right."""
    videos = torch.zeros(n, 1, frames, size, size)
    labels = torch.randint(0, 2, (n,), generator=generator)
    rows = torch.randint(0, size, (n,), generator=generator)
    starts = torch.randint(0, size - frames + 1, (n,), generator=generator)
    for i in range(n):
        for t in range(frames):
            column = starts[i] + (t if labels[i] == 1 else frames - 1 - t)
            videos[i, 0, t, rows[i], column] = 1.0
    return videos, labels


@exercise("05_video.01.d", kind="function",
          hint="See section 'The (2+1)D block, written out': keep self.spatial as in MyConv2Plus1D, make "
               "self.temporal = nn.Conv3d(mid, c_out, (k, 1, 1)) with no padding, and in forward pad h = "
               "F.relu(self.spatial(x)) with F.pad(h, (0, 0, 0, 0, k - 1, 0)): k - 1 zero frames in front, none "
               "behind, so output frame t sees input frames t - k + 1 .. t.")
def _causal_block(answer) -> bool:
    torch.manual_seed(0)
    block = answer(3, 4, 3, 5)
    x = torch.randn(2, 3, 7, 6, 5)
    with torch.no_grad():
        y = block(x)
        if y is None:
            raise NotImplementedError                                  # forward left as the stub
        if tuple(y.shape) != (2, 4, 7, 6, 5):
            return False
        poked = x.clone()
        poked[:, :, 3] += 3.0                                          # change input frame 3
        changed = (block(poked) - y).abs().amax(dim=(0, 1, 3, 4)) > 1e-6   # (T,): which output frames moved
    if changed[:3].any() or not changed[3] or not changed[5] or changed[6]:
        return False                                                   # frames 3 .. 3 + k - 1 only
    generator = torch.Generator().manual_seed(0)
    videos, labels = _dots(64, generator)
    test_videos, test_labels = _dots(64, generator)
    torch.manual_seed(0)
    model = nn.Sequential(answer(1, 8, 3, 8), nn.ReLU(), nn.AdaptiveMaxPool3d(1), nn.Flatten(), nn.Linear(8, 2))
    optimiser = torch.optim.Adam(model.parameters(), lr=2e-2)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)                      # a network this small trains faster on one thread
    try:
        for _ in range(80):
            loss = F.cross_entropy(model(videos), labels)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        with torch.no_grad():
            accuracy = (model(test_videos).argmax(1) == test_labels).float().mean().item()
    finally:
        torch.set_num_threads(threads)
    return accuracy >= 0.95
