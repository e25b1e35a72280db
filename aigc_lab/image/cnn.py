"""A small convolutional classifier: convolution -> pooling -> convolution -> pooling -> linear.

Convolutions share one small filter across every position (translation
equivariance), pooling makes the features tolerant to small shifts; together
they need far fewer parameters than an MLP for better accuracy on images.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class CNNConfig:
    in_channels: int = 1
    size: int = 16                # input height = width; must be divisible by 4 (two 2x2 poolings)
    channels: tuple[int, int] = (16, 32)
    classes: int = 10


class SmallCNN(nn.Module):
    def __init__(self, config: CNNConfig):
        super().__init__()
        self.config = config
        c1, c2 = config.channels
        self.conv1 = nn.Conv2d(config.in_channels, c1, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(c1, c2, kernel_size=3, padding=1)
        self.head = nn.Linear(c2 * (config.size // 4) ** 2, config.classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)   # (B, c1, S/2, S/2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)   # (B, c2, S/4, S/4)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).flatten(1))  # (B, classes)

    def loss(self, batch) -> torch.Tensor:
        x, y = batch
        return F.cross_entropy(self(x), y)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        return self(x).argmax(-1)
