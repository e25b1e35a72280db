"""A ResNet with basic blocks: every block adds its input back to its output.

He et al. (2015) noticed that a plain stack of convolutions gets *worse*, even on its
training data, once it is deep enough: the optimiser cannot find good weights for 50
layers although a 20-layer solution plus 30 identity layers would do.  A residual block
makes the identity the easy default.  It learns only a correction F(x):

    y = relu(F(x) + shortcut(x)),   F(x) = bn2(conv2(relu(bn1(conv1(x)))))   (eq. 1 of the paper)

and the gradient reaches early layers through the shortcut's "+" undiminished.  Where a
block halves the resolution and changes the channels, the shortcut is a strided 1x1
convolution (the paper's option B).  ``residual=False`` removes every shortcut, giving
the "plain" network of the same depth that the paper compares against.

    model = ResNet(ResNetConfig(in_channels=1, size=16))   # (B, 1, 16, 16) -> (B, 10) logits
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class ResNetConfig:
    in_channels: int = 1                    # 1 for grey digits, 3 for colour images
    size: int = 16                          # input height = width (any size: global pooling at the end)
    stem_stride: int = 1                    # 2 halves H and W in the first layer, as ImageNet ResNets do (cheaper)
    widths: tuple[int, ...] = (16, 32, 64)  # channels of each stage; stages after the first halve H and W
    blocks: tuple[int, ...] = (1, 1, 1)     # basic blocks per stage; 2 layers each (ResNet-20: (3, 3, 3))
    residual: bool = True                   # False: drop the shortcuts (the paper's "plain" network)
    classes: int = 10

    @property
    def depth(self) -> int:
        """Layers with weights: the stem, two convolutions per block, the final linear layer."""
        return 1 + 2 * sum(self.blocks) + 1


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with BatchNorm, plus a shortcut: (B, c_in, H, W) -> (B, c_out, H / stride, W / stride)."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1, residual: bool = True):
        super().__init__()
        self.residual = residual
        self.conv1 = nn.Conv2d(c_in, c_out, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, kernel_size=3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        if stride != 1 or c_in != c_out:   # shapes differ: project x with a strided 1x1 convolution
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, kernel_size=1, stride=stride, bias=False),
                                          nn.BatchNorm2d(c_out))
        else:                              # shapes agree: the identity, no weights at all
            self.shortcut = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)))     # (B, c_out, H / stride, W / stride)
        out = self.bn2(self.conv2(out))           # F(x), same shape
        if self.residual:
            out = out + self.shortcut(x)          # F(x) + x: the residual connection
        return F.relu(out)


class ResNet(nn.Module):
    def __init__(self, config: ResNetConfig):
        super().__init__()
        if len(config.widths) != len(config.blocks):
            raise ValueError(f"widths {config.widths} and blocks {config.blocks} need one entry per stage")
        self.config = config
        first = config.widths[0]
        self.stem = nn.Sequential(nn.Conv2d(config.in_channels, first, kernel_size=3, stride=config.stem_stride,
                                            padding=1, bias=False),
                                  nn.BatchNorm2d(first), nn.ReLU(inplace=True))
        blocks: list[nn.Module] = []
        c_in = first
        for stage, (width, n_blocks) in enumerate(zip(config.widths, config.blocks)):
            for i in range(n_blocks):
                stride = 2 if stage > 0 and i == 0 else 1   # the first block of each later stage halves H and W
                blocks.append(BasicBlock(c_in, width, stride, residual=config.residual))
                c_in = width
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(c_in, config.classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)                       # (B, widths[0], S', S'), S' = S / stem_stride
        x = self.blocks(x)                     # (B, widths[-1], S' / 2^(stages-1), same)
        x = x.mean(dim=(2, 3))                 # global average pooling: (B, widths[-1])
        return self.head(x)                    # (B, classes)

    def loss(self, batch) -> torch.Tensor:
        x, y = batch
        return F.cross_entropy(self(x), y)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        return self(x).argmax(-1)
