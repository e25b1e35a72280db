"""A VGG-style network: stages of stacked 3x3 convolutions, each stage ending in 2x2 max pooling.

Simonyan and Zisserman (2014) showed that depth pays if every convolution is small:
two stacked 3x3 convolutions see a 5x5 patch, three see 7x7, with fewer weights than
one big kernel (2 * 9 C^2 = 18 C^2 against 25 C^2 for C channels in and out) and one
more non-linearity in between.  A stage doubles the channels after each pooling halves
the resolution, so every stage costs about the same.  Their network ends in two big
fully connected layers; ours ends in one small hidden layer.  Batch normalisation after
each convolution (as in torchvision's ``vgg16_bn``, added after the paper) lets the
stack train quickly with a high learning rate.

    model = VGG(VGGConfig(in_channels=1, size=16))     # (B, 1, 16, 16) -> (B, 10) logits
    receptive_field(model.layers())                    # 22: each output sees a 22 x 22 patch
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class VGGConfig:
    in_channels: int = 1                    # 1 for grey digits, 3 for colour images
    size: int = 16                          # input height = width; divisible by 2 ** len(stages)
    stages: tuple[int, ...] = (16, 32, 64)  # channels of each stage; each stage halves the resolution
    convs_per_stage: int = 2                # 3x3 convolutions stacked in each stage (VGG-16 uses 2 or 3)
    hidden: int = 128                       # width of the hidden fully connected layer
    dropout: float = 0.3                    # dropout before each fully connected layer, as in VGG
    batchnorm: bool = True                  # BatchNorm after each convolution (vgg16_bn)
    classes: int = 10


def conv_bn_relu(c_in: int, c_out: int, batchnorm: bool) -> list[nn.Module]:
    """3x3 convolution, padding 1 (keeps H and W), then BatchNorm and ReLU."""
    layers: list[nn.Module] = [nn.Conv2d(c_in, c_out, kernel_size=3, padding=1, bias=not batchnorm)]
    if batchnorm:
        layers.append(nn.BatchNorm2d(c_out))  # its shift replaces the convolution's bias
    layers.append(nn.ReLU(inplace=True))
    return layers


class VGG(nn.Module):
    def __init__(self, config: VGGConfig):
        super().__init__()
        if config.size % (2 ** len(config.stages)):
            raise ValueError(f"size {config.size} must be divisible by 2 ** {len(config.stages)} "
                             "(one 2x2 pooling per stage)")
        self.config = config
        layers: list[nn.Module] = []
        c_in = config.in_channels
        for c_out in config.stages:
            for _ in range(config.convs_per_stage):
                layers += conv_bn_relu(c_in, c_out, config.batchnorm)
                c_in = c_out
            layers.append(nn.MaxPool2d(2))                                   # halve H and W
        self.features = nn.Sequential(*layers)
        side = config.size // 2 ** len(config.stages)
        self.classifier = nn.Sequential(
            nn.Flatten(),                                                    # (B, C * side * side)
            nn.Dropout(config.dropout),
            nn.Linear(c_in * side * side, config.hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(config.dropout),
            nn.Linear(config.hidden, config.classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)          # (B, C_in, S, S) -> (B, stages[-1], S / 2^stages, S / 2^stages)
        return self.classifier(x)     # (B, classes)

    def loss(self, batch) -> torch.Tensor:
        x, y = batch
        return F.cross_entropy(self(x), y)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        return self(x).argmax(-1)

    def layers(self) -> list[tuple[int, int]]:
        """(kernel, stride) of every layer that widens the view, in order, for ``receptive_field``."""
        return [(m.kernel_size[0] if isinstance(m.kernel_size, tuple) else m.kernel_size,
                 m.stride[0] if isinstance(m.stride, tuple) else m.stride)
                for m in self.features if isinstance(m, (nn.Conv2d, nn.MaxPool2d))]


def receptive_field(layers: list[tuple[int, int]]) -> int:
    """Side of the input patch one output pixel depends on, for a stack of (kernel, stride) layers.

    Each layer adds (kernel - 1) input steps, and a step is as long as the product of the
    strides before it: r = 1 + sum_i (k_i - 1) * prod_{j < i} s_j.
    """
    field, jump = 1, 1
    for kernel, stride in layers:
        field += (kernel - 1) * jump
        jump *= stride
    return field
