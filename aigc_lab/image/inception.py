"""An Inception-style network: blocks that look at several scales at once.

Szegedy et al. (2014, GoogLeNet) asked: which kernel size should a layer use, 1x1, 3x3
or 5x5?  Their answer: all of them, side by side, and let training decide.  An Inception
block runs four branches on the same input and stacks their outputs along the channels:

    1x1 conv                      (fine detail, and mixing channels)
    1x1 conv -> 3x3 conv          (medium patterns)
    1x1 conv -> 5x5 conv          (larger patterns)
    3x3 max pool -> 1x1 conv      (the strongest nearby response)

The 1x1 convolutions before the 3x3 and 5x5 ones are bottlenecks: they shrink the
channels first, so the expensive kernels run on few channels (a 5x5 on 64 channels
in and 16 out costs 25 * 64 * 16 weights; after a 1x1 down to 8 channels it costs
64 * 8 + 25 * 8 * 16).  BatchNorm follows every convolution, as in Inception v2.

    model = InceptionNet(InceptionConfig(in_channels=1, size=16))   # (B, 1, 16, 16) -> (B, 10)
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass(frozen=True)
class BlockWidths:
    """Output channels of each branch of one Inception block, and the bottleneck widths."""
    c1: int           # 1x1 branch
    c3_reduce: int    # 1x1 bottleneck before the 3x3
    c3: int           # 3x3 branch
    c5_reduce: int    # 1x1 bottleneck before the 5x5
    c5: int           # 5x5 branch
    pool_proj: int    # 1x1 after the 3x3 max pool

    @property
    def out_channels(self) -> int:
        return self.c1 + self.c3 + self.c5 + self.pool_proj


@dataclass
class InceptionConfig:
    in_channels: int = 1                    # 1 for grey digits, 3 for colour images
    size: int = 16                          # input height = width (any size: global pooling at the end)
    stem: int = 24                          # channels of the first plain 3x3 convolution
    stem_pool: bool = True                  # halve H and W after the stem (GoogLeNet's stem shrinks 8-fold)
    blocks: tuple[BlockWidths, ...] = (     # one max pooling (halving H and W) follows each block
        BlockWidths(c1=8, c3_reduce=12, c3=16, c5_reduce=4, c5=8, pool_proj=8),     # -> 40 channels
        BlockWidths(c1=16, c3_reduce=16, c3=32, c5_reduce=8, c5=8, pool_proj=8),    # -> 64 channels
    )
    classes: int = 10


def conv_bn_relu(c_in: int, c_out: int, kernel: int) -> nn.Sequential:
    """A convolution that keeps H and W (padding kernel // 2), then BatchNorm and ReLU."""
    return nn.Sequential(nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class InceptionBlock(nn.Module):
    """Four parallel branches, concatenated: (B, c_in, H, W) -> (B, widths.out_channels, H, W)."""

    def __init__(self, c_in: int, widths: BlockWidths):
        super().__init__()
        w = widths
        self.branch1 = conv_bn_relu(c_in, w.c1, 1)
        self.branch3 = nn.Sequential(conv_bn_relu(c_in, w.c3_reduce, 1), conv_bn_relu(w.c3_reduce, w.c3, 3))
        self.branch5 = nn.Sequential(conv_bn_relu(c_in, w.c5_reduce, 1), conv_bn_relu(w.c5_reduce, w.c5, 5))
        self.branch_pool = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), conv_bn_relu(c_in, w.pool_proj, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = [self.branch1(x),        # (B, c1, H, W)
                    self.branch3(x),        # (B, c3, H, W)
                    self.branch5(x),        # (B, c5, H, W)
                    self.branch_pool(x)]    # (B, pool_proj, H, W)
        return torch.cat(branches, dim=1)   # (B, c1 + c3 + c5 + pool_proj, H, W)


class InceptionNet(nn.Module):
    def __init__(self, config: InceptionConfig):
        super().__init__()
        self.config = config
        self.stem = nn.Sequential(conv_bn_relu(config.in_channels, config.stem, 3),
                                  nn.MaxPool2d(2) if config.stem_pool else nn.Identity())
        layers: list[nn.Module] = []
        c_in = config.stem
        for widths in config.blocks:
            layers += [InceptionBlock(c_in, widths), nn.MaxPool2d(2)]
            c_in = widths.out_channels
        self.blocks = nn.Sequential(*layers)
        self.head = nn.Linear(c_in, config.classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)              # (B, stem, S', S'), S' = S / 2 with stem_pool, else S
        x = self.blocks(x)            # (B, blocks[-1].out_channels, S' / 2^blocks, same)
        x = x.mean(dim=(2, 3))        # global average pooling, as GoogLeNet: (B, channels)
        return self.head(x)           # (B, classes)

    def loss(self, batch) -> torch.Tensor:
        x, y = batch
        return F.cross_entropy(self(x), y)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        return self(x).argmax(-1)
