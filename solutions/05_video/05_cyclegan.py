"""Worked solutions for the exercises of notebooks/05_video/05_cyclegan.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("05_video.05.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import torch
import torch.nn as nn


def exercise_c():
    """Flicker is change that motion does not explain: the translated clips' mean frame difference
    over the reference clips' (an exact frame-by-frame translation of the same motion)."""
    from aigc_lab.data.video import frame_difference

    def flicker_ratio(translated, reference):
        return (frame_difference(translated).mean() / frame_difference(reference).mean()).item()

    return flicker_ratio


def wrong_c():
    """Compares each clip's first and last frames only, which misses changes that come and go."""
    def flicker_ratio(translated, reference):
        return ((translated[:, -1] - translated[:, 0]).abs().mean()
                / (reference[:, -1] - reference[:, 0]).abs().mean()).item()

    return flicker_ratio


def exercise_d():
    """The network predicts a change in logit space, sigmoid(logit(x) + U(x)); with U's last convolution
    set to zero the untrained generator returns its input, and training moves it away only as far as needed."""
    class ResidualGenerator(nn.Module):
        def __init__(self, channels=3, width=16):
            super().__init__()
            self.net = nn.Sequential(
                nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(),
                nn.Conv2d(width, width, 3, padding=1), nn.ReLU(),
                nn.Conv2d(width, channels, 3, padding=1),
            )
            nn.init.zeros_(self.net[-1].weight)
            nn.init.zeros_(self.net[-1].bias)

        def forward(self, x):
            return torch.sigmoid(torch.logit(x.clamp(0.01, 0.99)) + self.net(x))

    return ResidualGenerator


def wrong_d():
    """Leaves the last convolution at its random start: the untrained generator is not the identity."""
    class ResidualGenerator(nn.Module):
        def __init__(self, channels=3, width=16):
            super().__init__()
            self.net = nn.Sequential(
                nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(),
                nn.Conv2d(width, width, 3, padding=1), nn.ReLU(),
                nn.Conv2d(width, channels, 3, padding=1),
            )

        def forward(self, x):
            return torch.sigmoid(torch.logit(x.clamp(0.01, 0.99)) + self.net(x))

    return ResidualGenerator
