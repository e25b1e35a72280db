"""Worked solutions for the exercises of notebooks/05_video/02_prediction.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("05_video.02.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import torch
import torch.nn as nn


def exercise_b():
    """Frame k - 1 is the last one seen; compare it with each future frame and average the squared
    difference over everything except the horizon dimension."""
    def copy_last_error(videos, k):
        future = videos[:, k:]
        last = videos[:, k - 1:k]                                   # (N, 1, C, H, W) broadcasts over the horizon
        return ((future - last) ** 2).mean(dim=(0, 2, 3, 4))

    return copy_last_error


def wrong_b():
    """Off by one: copies frame k (the first future frame) instead of the last context frame."""
    def copy_last_error(videos, k):
        return ((videos[:, k:] - videos[:, k:k + 1]) ** 2).mean(dim=(0, 2, 3, 4))

    return copy_last_error


def exercise_c():
    """Sum the channels into a mass map, then weight the pixel-centre coordinates j + 0.5 (columns)
    and i + 0.5 (rows) by the mass and divide by the total."""
    def centroid(frames):
        mass = frames.sum(dim=1)                                    # (N, H, W)
        h, w = mass.shape[-2:]
        xs, ys = torch.arange(w) + 0.5, torch.arange(h) + 0.5
        total = mass.sum(dim=(1, 2))
        x = (mass.sum(dim=1) * xs).sum(dim=1) / total
        y = (mass.sum(dim=2) * ys).sum(dim=1) / total
        return torch.stack([x, y], dim=1)

    return centroid


def wrong_c():
    """Returns (row, column), i.e. (y, x), the order of array indices instead of (x, y)."""
    def centroid(frames):
        mass = frames.sum(dim=1)
        h, w = mass.shape[-2:]
        xs, ys = torch.arange(w) + 0.5, torch.arange(h) + 0.5
        total = mass.sum(dim=(1, 2))
        x = (mass.sum(dim=1) * xs).sum(dim=1) / total
        y = (mass.sum(dim=2) * ys).sum(dim=1) / total
        return torch.stack([y, x], dim=1)

    return centroid


def exercise_d():
    """A GRU's gates computed by convolutions over [x, h]: z (how much to update) and r (how much of the old
    state the candidate reads) from one convolution, the candidate from another over [x, r * h]; the new
    state moves from h towards the candidate by z, pixel by pixel."""
    class ConvGRUCell(nn.Module):
        def __init__(self, c_in, hidden, kernel=3):
            super().__init__()
            self.gates = nn.Conv2d(c_in + hidden, 2 * hidden, kernel, padding=kernel // 2)       # z, then r
            self.candidate = nn.Conv2d(c_in + hidden, hidden, kernel, padding=kernel // 2)

        def forward(self, x, h):
            z, r = torch.sigmoid(self.gates(torch.cat([x, h], dim=1))).chunk(2, dim=1)
            candidate = torch.tanh(self.candidate(torch.cat([x, r * h], dim=1)))
            return (1 - z) * h + z * candidate

    return ConvGRUCell


def wrong_d():
    """Forgets the reset gate: the candidate reads the whole old state h instead of r * h."""
    class ConvGRUCell(nn.Module):
        def __init__(self, c_in, hidden, kernel=3):
            super().__init__()
            self.gates = nn.Conv2d(c_in + hidden, 2 * hidden, kernel, padding=kernel // 2)
            self.candidate = nn.Conv2d(c_in + hidden, hidden, kernel, padding=kernel // 2)

        def forward(self, x, h):
            z, r = torch.sigmoid(self.gates(torch.cat([x, h], dim=1))).chunk(2, dim=1)
            candidate = torch.tanh(self.candidate(torch.cat([x, h], dim=1)))
            return (1 - z) * h + z * candidate

    return ConvGRUCell
