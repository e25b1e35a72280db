"""A frame-averaged 2D CNN video classifier: each frame alone through a small image CNN, then the mean.

    model = FrameAveragedCNN(FrameCNNConfig(n_classes=6))
    logits = model(videos)              # videos (B, T, C, H, W) -> (B, n_classes)

Averaging over time throws the order of the frames away: a square moving left and the same square
moving right show the same set of frames, so their averages are equal and no training can separate
them.  This is the baseline the (2+1)D network in conv3d.py is compared with.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class FrameCNNConfig:
    in_channels: int = 3      # colour channels of a frame
    channels: int = 16        # feature maps of the first conv; the second has twice as many
    n_classes: int = 6        # e.g. len(MOTIONS)


class FrameAveragedCNN(nn.Module):
    def __init__(self, config: FrameCNNConfig):
        super().__init__()
        self.config = config
        c = config.channels
        self.frame_net = nn.Sequential(                        # a plain image CNN, applied to one frame at a time
            nn.Conv2d(config.in_channels, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c, 2 * c, 3, padding=1), nn.BatchNorm2d(2 * c), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * c, 2 * c, 3, padding=1), nn.BatchNorm2d(2 * c), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.head = nn.Linear(2 * c, config.n_classes)

    def forward(self, videos: torch.Tensor) -> torch.Tensor:
        b, t = videos.shape[:2]
        frames = videos.reshape(b * t, *videos.shape[2:])      # (B*T, C, H, W): time folded into the batch
        features = self.frame_net(frames).view(b, t, -1)        # (B, T, 2c)
        return self.head(features.mean(dim=1))                  # the average over time forgets the order

    def loss(self, batch) -> torch.Tensor:
        videos, labels = batch
        return F.cross_entropy(self(videos), labels)

    @torch.no_grad()
    def predict(self, videos: torch.Tensor) -> torch.Tensor:
        return self(videos).argmax(dim=-1)
