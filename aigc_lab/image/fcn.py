"""A fully convolutional network for segmentation (FCN: Long, Shelhamer and Darrell, 2015).

A classification CNN ends in fully connected layers that throw away where things are.  FCN
replaces them by 1x1 convolutions, so the network outputs a class-score *map* instead of one
score vector, at 1/8 of the input resolution here (three 2x poolings), and upsamples it back to
the input size with a transposed convolution initialised to bilinear interpolation.

A single 8x jump (``skips=False``, the paper's FCN-32s idea) gives blobby masks: each score cell
covers 8 x 8 pixels.  With ``skips=True`` (the FCN-8s idea) the coarse scores are upsampled 2x at
a time and added to scores predicted from the finer pooling stages, which still know where edges are:

    image (B, 3, 32, 32) -> stage 1 -> pool (B, w, 16, 16) -> stage 2 -> pool (B, 2w, 8, 8)
        -> stage 3 -> pool (B, 4w, 4, 4) -> 1x1 "fully connected" convs -> scores (B, C, 4, 4)
    skips:  up 2x + score(pool 2) -> up 2x + score(pool 1) -> up 2x -> (B, C, 32, 32)
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class FCNConfig:
    in_channels: int = 3
    num_classes: int = 4          # background, circle, square, triangle
    width: int = 16               # channels of the first stage, doubled at each of the three stages
    hidden: int = 128             # width of the 1x1 convolutions that replace the fully connected layers
    skips: bool = True            # FCN-8s-style fusion of finer stages; False: one 8x upsampling (FCN-32s-style)


def bilinear_kernel(channels: int, kernel_size: int) -> torch.Tensor:
    """(channels, channels, k, k) weights that make a ConvTranspose2d upsample each channel bilinearly, as the
    FCN paper initialises its upsampling layers."""
    factor = (kernel_size + 1) // 2
    centre = factor - 1 if kernel_size % 2 == 1 else factor - 0.5
    grid = torch.arange(kernel_size, dtype=torch.float32)
    line = 1 - (grid - centre).abs() / factor                              # a tent, 1 at the centre
    weight = torch.zeros(channels, channels, kernel_size, kernel_size)
    weight[range(channels), range(channels)] = line[:, None] * line[None, :]
    return weight


def upsampler(channels: int, factor: int) -> nn.ConvTranspose2d:
    """A learnable ``factor``x upsampling, initialised to bilinear interpolation."""
    layer = nn.ConvTranspose2d(channels, channels, kernel_size=2 * factor, stride=factor, padding=factor // 2,
                               bias=False)
    layer.weight.data.copy_(bilinear_kernel(channels, 2 * factor))
    return layer


def _stage(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
                         nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class FCN(nn.Module):
    def __init__(self, config: FCNConfig):
        super().__init__()
        self.config = config
        w, c = config.width, config.num_classes
        self.stage1 = _stage(config.in_channels, w)
        self.stage2 = _stage(w, 2 * w)
        self.stage3 = _stage(2 * w, 4 * w)
        # the "fully connected" layers as convolutions: a 3x3 then a 1x1, then class scores
        self.classifier = nn.Sequential(nn.Conv2d(4 * w, config.hidden, 3, padding=1), nn.ReLU(inplace=True),
                                        nn.Dropout2d(0.1), nn.Conv2d(config.hidden, config.hidden, 1),
                                        nn.ReLU(inplace=True), nn.Conv2d(config.hidden, c, 1))
        if config.skips:
            self.score_pool2 = nn.Conv2d(2 * w, c, 1)     # class scores from the 1/4-resolution features
            self.score_pool1 = nn.Conv2d(w, c, 1)         # and from the 1/2-resolution ones
            for layer in (self.score_pool2, self.score_pool1):   # start as plain FCN-32s: skips add nothing yet
                nn.init.zeros_(layer.weight)
                nn.init.zeros_(layer.bias)
            self.up2a, self.up2b, self.up2c = upsampler(c, 2), upsampler(c, 2), upsampler(c, 2)
        else:
            self.up8 = upsampler(c, 8)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        pool1 = F.max_pool2d(self.stage1(images), 2)       # (B, w, H/2, W/2)
        pool2 = F.max_pool2d(self.stage2(pool1), 2)        # (B, 2w, H/4, W/4)
        pool3 = F.max_pool2d(self.stage3(pool2), 2)        # (B, 4w, H/8, W/8)
        scores = self.classifier(pool3)                    # (B, C, H/8, W/8)
        if not self.config.skips:
            return self.up8(scores)                        # (B, C, H, W) in one jump
        scores = self.up2a(scores) + self.score_pool2(pool2)   # (B, C, H/4, W/4)
        scores = self.up2b(scores) + self.score_pool1(pool1)   # (B, C, H/2, W/2)
        return self.up2c(scores)                           # (B, C, H, W)

    def loss(self, batch) -> torch.Tensor:
        """Mean pixel-wise cross-entropy of ``(images (B, 3, H, W), masks (B, H, W) int64)``."""
        images, masks = batch
        return F.cross_entropy(self(images), masks)

    @torch.no_grad()
    def predict(self, images: torch.Tensor) -> torch.Tensor:
        """(B, H, W) arg-max class of every pixel."""
        return self(images).argmax(1)
