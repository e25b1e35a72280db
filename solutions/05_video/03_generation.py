"""Worked solutions for the exercises of notebooks/05_video/03_generation.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("05_video.03.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import torch
import torch.nn as nn


def exercise_b():
    """The mask chooses, pixel by pixel and frame by frame, between the moving foreground and the one
    still background image, which is broadcast over the time axis."""
    def compose(mask, foreground, background):
        return mask * foreground + (1 - mask) * background[:, None]

    return compose


def wrong_b():
    """Swaps the roles: the mask picks the background where it should pick the foreground."""
    def compose(mask, foreground, background):
        return (1 - mask) * foreground + mask * background[:, None]

    return compose


def exercise_d():
    """Three 1x1 outputs: a 3D foreground video and a 3D one-map mask from the features as they are, and a 2D
    background image from the features averaged over time, so it is one still picture whatever the frames'
    order; the clip is m * f + (1 - m) * b, the background repeated over time."""
    class TwoStreamHead(nn.Module):
        def __init__(self, width, channels=3):
            super().__init__()
            self.foreground = nn.Conv3d(width, channels, 1)
            self.mask = nn.Conv3d(width, 1, 1)
            self.background = nn.Conv2d(width, channels, 1)

        def forward(self, h):
            foreground = torch.sigmoid(self.foreground(h)).permute(0, 2, 1, 3, 4)      # (B, T, C, H, W)
            mask = torch.sigmoid(self.mask(h)).permute(0, 2, 1, 3, 4)                  # (B, T, 1, H, W)
            background = torch.sigmoid(self.background(h.mean(dim=2)))                # (B, C, H, W)
            video = mask * foreground + (1 - mask) * background[:, None]
            return video, mask, foreground, background

    return TwoStreamHead


def wrong_d():
    """Draws the background from the first frame's features: it changes when the frames come in another order."""
    class TwoStreamHead(nn.Module):
        def __init__(self, width, channels=3):
            super().__init__()
            self.foreground = nn.Conv3d(width, channels, 1)
            self.mask = nn.Conv3d(width, 1, 1)
            self.background = nn.Conv2d(width, channels, 1)

        def forward(self, h):
            foreground = torch.sigmoid(self.foreground(h)).permute(0, 2, 1, 3, 4)
            mask = torch.sigmoid(self.mask(h)).permute(0, 2, 1, 3, 4)
            background = torch.sigmoid(self.background(h[:, :, 0]))
            video = mask * foreground + (1 - mask) * background[:, None]
            return video, mask, foreground, background

    return TwoStreamHead
