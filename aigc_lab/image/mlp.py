"""A multi-layer perceptron classifier: the smallest "deep" network.

Flatten the image, then Linear -> ReLU -> ... -> Linear to class logits.
Every pixel is connected to every hidden unit, so the model knows nothing of
neighbourhoods: compare it with ``cnn.SmallCNN``.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class MLPConfig:
    in_features: int = 256        # pixels per image (16 x 16 digits)
    hidden: int = 128             # width of each hidden layer
    layers: int = 2               # number of hidden layers
    classes: int = 10


class MLPClassifier(nn.Module):
    def __init__(self, config: MLPConfig):
        super().__init__()
        self.config = config
        widths = [config.in_features] + [config.hidden] * config.layers
        blocks = []
        for a, b in zip(widths, widths[1:]):
            blocks += [nn.Linear(a, b), nn.ReLU()]
        self.body = nn.Sequential(*blocks, nn.Linear(widths[-1], config.classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x.flatten(1))   # (B, C, H, W) -> (B, C*H*W) -> (B, classes)

    def loss(self, batch) -> torch.Tensor:
        x, y = batch
        return F.cross_entropy(self(x), y)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        return self(x).argmax(-1)
