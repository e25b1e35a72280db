"""Worked solutions for the exercises of notebooks/05_video/04_pix2pix.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("05_video.04.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import torch
import torch.nn as nn


def exercise_b():
    """A pixel is shape when one of its channels differs from the background by more than the
    threshold; IoU is the overlap of the two masks over their union (union clamped to 1)."""
    def foreground_iou(predicted, target):
        a = (predicted - 0.08).abs().amax(dim=1) > 0.15
        b = (target - 0.08).abs().amax(dim=1) > 0.15
        return (a & b).sum(dim=(1, 2)) / (a | b).sum(dim=(1, 2)).clamp_min(1)

    return foreground_iou


def wrong_b():
    """Averages the channels instead of taking the largest difference: misses pure-colour pixels."""
    def foreground_iou(predicted, target):
        a = (predicted - 0.08).abs().mean(dim=1) > 0.15
        b = (target - 0.08).abs().mean(dim=1) > 0.15
        return (a & b).sum(dim=(1, 2)) / (a | b).sum(dim=(1, 2)).clamp_min(1)

    return foreground_iou


def exercise_c():
    """A PatchGAN whose patches are single pixels: the pair stacked as channels, then only 1x1 convolutions,
    so each logit judges one pixel's source value and colour (no normalisation, which would mix pixels)."""
    class PixelDiscriminator(nn.Module):
        def __init__(self, source_channels=1, target_channels=3, width=16):
            super().__init__()
            self.net = nn.Sequential(
                nn.Conv2d(source_channels + target_channels, width, 1), nn.LeakyReLU(0.2),
                nn.Conv2d(width, 2 * width, 1), nn.LeakyReLU(0.2),
                nn.Conv2d(2 * width, 1, 1),
            )

        def forward(self, source, image):
            return self.net(torch.cat([source, image], dim=1))      # (B, 1, H, W)

    return PixelDiscriminator


def wrong_c():
    """Forgets the condition: judges the image alone, so the logits never change with the source."""
    class PixelDiscriminator(nn.Module):
        def __init__(self, source_channels=1, target_channels=3, width=16):
            super().__init__()
            self.net = nn.Sequential(
                nn.Conv2d(target_channels, width, 1), nn.LeakyReLU(0.2),
                nn.Conv2d(width, 2 * width, 1), nn.LeakyReLU(0.2),
                nn.Conv2d(2 * width, 1, 1),
            )

        def forward(self, source, image):
            return self.net(image)

    return PixelDiscriminator
