"""Worked solutions for the exercises of notebooks/05_video/01_classification.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("05_video.01.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


def exercise_a():
    """Tran et al. pick mid so that (2+1)D has about the parameters of a full k x k x k conv:
    k^3 C_in C_out weights = mid (k^2 C_in + k C_out), solved for mid and rounded down."""
    def mid(c_in, c_out, k):
        return (k ** 3 * c_in * c_out) // (k ** 2 * c_in + k * c_out)

    return mid


def wrong_a():
    """Forgets the temporal conv's share in the denominator, so mid comes out k times too big at best."""
    def mid(c_in, c_out, k):
        return (k ** 3 * c_in * c_out) // (k ** 2 * c_in)

    return mid


def exercise_b():
    """Spatial conv (1, k, k): mid filters of c_in*k*k weights plus a bias each; temporal (k, 1, 1):
    c_out filters of mid*k weights plus a bias each."""
    def params(c_in, c_out, k, mid):
        return mid * (c_in * k * k + 1) + c_out * (mid * k + 1)

    return params


def wrong_b():
    """Counts the weights but forgets the biases."""
    def params(c_in, c_out, k, mid):
        return mid * c_in * k * k + c_out * mid * k

    return params


def exercise_c():
    """Rows are the true class, columns the predicted one; index_put_ with accumulate adds the ones."""
    def confusion(y_true, y_pred, classes):
        counts = torch.zeros(classes, classes, dtype=torch.long)
        counts.index_put_((y_true.long(), y_pred.long()), torch.ones(len(y_true), dtype=torch.long), accumulate=True)
        return counts

    return confusion


def wrong_c():
    """Puts the prediction in the rows: the transpose of the convention."""
    def confusion(y_true, y_pred, classes):
        counts = torch.zeros(classes, classes, dtype=torch.long)
        counts.index_put_((y_pred.long(), y_true.long()), torch.ones(len(y_true), dtype=torch.long), accumulate=True)
        return counts

    return confusion


def exercise_d():
    """The spatial convolution as before; the temporal one has no padding of its own and gets k - 1 zero
    frames in front only, so output frame t combines input frames t - k + 1 .. t and never a later one."""
    class CausalConv2Plus1D(nn.Module):
        def __init__(self, c_in, c_out, k=3, mid=8):
            super().__init__()
            self.k = k
            self.spatial = nn.Conv3d(c_in, mid, (1, k, k), padding=(0, k // 2, k // 2))
            self.temporal = nn.Conv3d(mid, c_out, (k, 1, 1))

        def forward(self, x):
            h = F.relu(self.spatial(x))                          # (B, mid, T, H, W)
            return self.temporal(F.pad(h, (0, 0, 0, 0, self.k - 1, 0)))

    return CausalConv2Plus1D


def wrong_d():
    """Pads time on both sides (the centred block of the notebook): the same size, but it sees a frame ahead."""
    class CausalConv2Plus1D(nn.Module):
        def __init__(self, c_in, c_out, k=3, mid=8):
            super().__init__()
            self.spatial = nn.Conv3d(c_in, mid, (1, k, k), padding=(0, k // 2, k // 2))
            self.temporal = nn.Conv3d(mid, c_out, (k, 1, 1), padding=(k // 2, 0, 0))

        def forward(self, x):
            return self.temporal(F.relu(self.spatial(x)))

    return CausalConv2Plus1D
