"""A (2+1)D convolutional video classifier: convolutions that run over time as well as space.

    model = Conv2Plus1DNet(Conv3DConfig(n_classes=6))
    logits = model(videos)              # videos (B, T, C, H, W) -> (B, n_classes)

A full 3D convolution has a k x k x k kernel.  Tran et al. (2018, "A closer look at spatiotemporal
convolutions") factor it into a spatial (1, k, k) convolution into ``mid`` channels followed by a
temporal (k, 1, 1) one, with a non-linearity between.  They choose ``mid`` so that both have about
the same number of parameters:

    mid = floor(k^3 * C_in * C_out / (k^2 * C_in + k * C_out))                     (eq. 1 of the paper)

The temporal kernel sees neighbouring frames in order, so "moved left" and "moved right" differ.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


def mid_channels(c_in: int, c_out: int, k: int = 3) -> int:
    """Tran et al.'s ``mid`` that gives (2+1)D about the parameters of a full k x k x k conv."""
    return (k ** 3 * c_in * c_out) // (k ** 2 * c_in + k * c_out)


def conv2plus1d_params(c_in: int, c_out: int, k: int = 3, mid: int | None = None) -> int:
    """Parameters of one Conv2Plus1D with biases: spatial mid*(C_in*k*k + 1) + temporal C_out*(mid*k + 1)."""
    mid = mid_channels(c_in, c_out, k) if mid is None else mid
    return mid * (c_in * k * k + 1) + c_out * (mid * k + 1)


class Conv2Plus1D(nn.Module):
    """Spatial (1, k, k) conv -> ReLU -> temporal (k, 1, 1) conv; input and output (B, C, T, H, W)."""

    def __init__(self, c_in: int, c_out: int, k: int = 3, mid: int | None = None):
        super().__init__()
        mid = mid_channels(c_in, c_out, k) if mid is None else mid
        self.spatial = nn.Conv3d(c_in, mid, (1, k, k), padding=(0, k // 2, k // 2))
        self.temporal = nn.Conv3d(mid, c_out, (k, 1, 1), padding=(k // 2, 0, 0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.temporal(F.relu(self.spatial(x)))


@dataclass
class Conv3DConfig:
    in_channels: int = 3      # colour channels of a frame
    channels: int = 16        # feature maps of the first block; later blocks have twice as many
    n_classes: int = 6        # e.g. len(MOTIONS)
    kernel: int = 3           # k of every (2+1)D block, in time and in space


class Conv2Plus1DNet(nn.Module):
    def __init__(self, config: Conv3DConfig):
        super().__init__()
        self.config = config
        c, k = config.channels, config.kernel
        self.blocks = nn.Sequential(
            Conv2Plus1D(config.in_channels, c, k), nn.BatchNorm3d(c), nn.ReLU(),
            nn.MaxPool3d((1, 2, 2)),                            # halve space, keep every frame
            Conv2Plus1D(c, 2 * c, k), nn.BatchNorm3d(2 * c), nn.ReLU(),
            nn.MaxPool3d((2, 2, 2)),                            # now halve time too
            Conv2Plus1D(2 * c, 2 * c, k), nn.BatchNorm3d(2 * c), nn.ReLU(),
            nn.AdaptiveAvgPool3d(1), nn.Flatten(),
        )
        self.head = nn.Linear(2 * c, config.n_classes)

    def forward(self, videos: torch.Tensor) -> torch.Tensor:
        x = videos.permute(0, 2, 1, 3, 4)                       # (B, T, C, H, W) -> (B, C, T, H, W) for Conv3d
        return self.head(self.blocks(x))

    def loss(self, batch) -> torch.Tensor:
        videos, labels = batch
        return F.cross_entropy(self(videos), labels)

    @torch.no_grad()
    def predict(self, videos: torch.Tensor) -> torch.Tensor:
        return self(videos).argmax(dim=-1)
