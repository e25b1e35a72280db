"""DeepLab's idea for segmentation: atrous (dilated) convolutions instead of more down-sampling
(Chen et al., DeepLab v1-v3+, 2015-2018).

A 3x3 convolution with dilation r reads its 9 inputs r pixels apart: the same 9 weights cover a
(2r + 1) x (2r + 1) window.  It equals an ordinary convolution whose kernel has r - 1 zeros
inserted between its taps (``dilate_kernel``), so the receptive field grows without pooling
away resolution and without more parameters.  DeepLab stops down-sampling early (here at 1/4
resolution) and stacks dilated convolutions to keep seeing whole objects; **atrous spatial
pyramid pooling** (ASPP) then looks at several scales at once: parallel 3x3 convolutions at
several rates, a 1x1 convolution and an image-level average, concatenated.  The v3+ decoder
(``decoder=True``) upsamples the result and fuses it with full-resolution features for sharp edges.

    image (B, 3, H, W) -> stage 1 (B, w, H, W) -> pool -> stage 2 -> pool (B, 2w, H/4, W/4)
        -> dilated stages, rate 2 and 4 (B, 4w, H/4, W/4) -> ASPP (B, a, H/4, W/4)
        -> 4x bilinear up (+ stage-1 features, 3x3 convs, if decoder) -> (B, C, H, W)
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class DeepLabConfig:
    in_channels: int = 3
    num_classes: int = 4              # background, circle, square, triangle
    width: int = 16                   # channels of the first stage; 2w and 4w deeper
    aspp_width: int = 64              # channels of each ASPP branch
    aspp_rates: tuple[int, ...] = (2, 4)   # dilation rates of ASPP's 3x3 branches (on the 1/4-resolution map)
    decoder: bool = True              # DeepLab v3+: fuse with full-resolution features before the last upsampling


def conv_bn_relu(c_in: int, c_out: int, kernel: int = 3, dilation: int = 1) -> nn.Sequential:
    padding = dilation * (kernel - 1) // 2               # keeps the size: a dilated 3x3 spans 2 * dilation + 1
    return nn.Sequential(nn.Conv2d(c_in, c_out, kernel, padding=padding, dilation=dilation, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class ASPP(nn.Module):
    """Atrous spatial pyramid pooling: a 1x1 branch, one dilated 3x3 branch per rate, and the image-level mean."""

    def __init__(self, c_in: int, c_out: int, rates: tuple[int, ...]):
        super().__init__()
        self.branches = nn.ModuleList([conv_bn_relu(c_in, c_out, kernel=1)] +
                                      [conv_bn_relu(c_in, c_out, dilation=r) for r in rates])
        self.image_pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c_in, c_out, 1), nn.ReLU(inplace=True))
        self.project = conv_bn_relu(c_out * (len(rates) + 2), c_out, kernel=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = self.image_pool(x).expand(-1, -1, *x.shape[-2:])       # (B, c_out, h, w): the same everywhere
        return self.project(torch.cat([branch(x) for branch in self.branches] + [pooled], dim=1))


class DeepLab(nn.Module):
    def __init__(self, config: DeepLabConfig):
        super().__init__()
        self.config = config
        w = config.width
        self.stage1 = nn.Sequential(conv_bn_relu(config.in_channels, w), conv_bn_relu(w, w))
        self.stage2 = nn.Sequential(conv_bn_relu(w, 2 * w), conv_bn_relu(2 * w, 2 * w))
        # from here on no more pooling: dilation 2 then 4 grows the receptive field at 1/4 resolution
        self.dilated = nn.Sequential(conv_bn_relu(2 * w, 4 * w, dilation=2), conv_bn_relu(4 * w, 4 * w, dilation=2),
                                     conv_bn_relu(4 * w, 4 * w, dilation=4), conv_bn_relu(4 * w, 4 * w, dilation=4))
        self.aspp = ASPP(4 * w, config.aspp_width, config.aspp_rates)
        if config.decoder:   # two 3x3 convolutions at full resolution, 2w wide (narrower ones learn slowly)
            self.fuse = nn.Sequential(conv_bn_relu(config.aspp_width + w, 2 * w), conv_bn_relu(2 * w, 2 * w))
        self.classify = nn.Conv2d(2 * w if config.decoder else config.aspp_width, config.num_classes, 1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        low = self.stage1(images)                                        # (B, w, H, W)
        x = self.stage2(F.max_pool2d(low, 2))                            # (B, 2w, H/2, W/2)
        x = self.aspp(self.dilated(F.max_pool2d(x, 2)))                  # (B, a, H/4, W/4)
        if not self.config.decoder:                                      # DeepLab v3: upsample the scores 4x
            return F.interpolate(self.classify(x), size=images.shape[-2:], mode="bilinear", align_corners=False)
        x = F.interpolate(x, size=images.shape[-2:], mode="bilinear", align_corners=False)
        return self.classify(self.fuse(torch.cat([x, low], dim=1)))     # (B, C, H, W)

    def loss(self, batch) -> torch.Tensor:
        """Mean pixel-wise cross-entropy of ``(images (B, 3, H, W), masks (B, H, W) int64)``."""
        images, masks = batch
        return F.cross_entropy(self(images), masks)

    @torch.no_grad()
    def predict(self, images: torch.Tensor) -> torch.Tensor:
        """(B, H, W) arg-max class of every pixel."""
        return self(images).argmax(1)


def dilate_kernel(weight: torch.Tensor, rate: int) -> torch.Tensor:
    """(O, I, k, k) kernel -> (O, I, r(k-1)+1, r(k-1)+1) with r - 1 zeros between taps: an ordinary convolution
    with it equals ``F.conv2d(x, weight, dilation=rate)``."""
    o, i, kh, kw = weight.shape
    out = weight.new_zeros(o, i, rate * (kh - 1) + 1, rate * (kw - 1) + 1)
    out[:, :, ::rate, ::rate] = weight
    return out


def receptive_field(layers: list[tuple[int, int, int]]) -> int:
    """Receptive field (pixels) of a stack of convolutions/poolings given as (kernel, stride, dilation).

    Each layer adds (kernel - 1) * dilation input steps, and a step is as many pixels as the product of
    the strides before it.
    """
    field, jump = 1, 1
    for kernel, stride, dilation in layers:
        field += (kernel - 1) * dilation * jump
        jump *= stride
    return field
