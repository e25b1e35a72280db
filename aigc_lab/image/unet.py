"""U-Net (Ronneberger, Fischer and Brox, 2015): an encoder-decoder with skip connections.

The encoder halves the resolution ``depth`` times while doubling the channels, so the
deepest features see the whole object; the decoder doubles the resolution back and, at
every level, concatenates the encoder's features of the same size (the skip
connections), so fine detail lost by pooling comes back for sharp boundaries.

    down:  x (B, in, H, W) -> block -> (B, w, H, W) ----------------------- skip --+
           pool -> block -> (B, 2w, H/2, W/2) -------------------- skip --+        |
           ... pool -> bottleneck (B, w*2^depth, H/2^depth, W/2^depth)    |        |
    up:    upsample, concat skip, block -> (B, 2w, H/2, W/2) <-----------+        |
           upsample, concat skip, block -> (B, w, H, W)   <-----------------------+
           1x1 conv -> (B, out, H, W)

The class is general (in and out channels, depth, base width, normalisation, upsampling),
so later chapters reuse it as an image-to-image network.  For segmentation it is also a
complete model: ``loss(batch)`` is the pixel-wise cross-entropy of ``(images, masks)``
and ``predict`` the arg-max class per pixel.  (Diffusion uses its own U-Net with a time
embedding.)
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class UNetConfig:
    in_channels: int = 3
    out_channels: int = 4          # classes for segmentation (background, circle, square, triangle), or channels
    depth: int = 3                 # number of 2x down-samplings; H and W must be divisible by 2**depth
    base_width: int = 16           # channels at full resolution, doubled at every level down
    max_width: int = 256           # cap on the channels of the deepest levels
    norm: str = "batch"            # "batch", "group" (8 groups, for tiny batches) or "none"
    up: str = "transpose"          # "transpose": learned 2x2 transposed convolution, as in the paper; "bilinear"
    dropout: float = 0.0           # dropout in the bottleneck


def norm_layer(kind: str, channels: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "group":
        return nn.GroupNorm(min(8, channels), channels)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"norm must be 'batch', 'group' or 'none', not {kind!r}")


class ConvBlock(nn.Sequential):
    """Two 3x3 convolutions, each followed by normalisation and ReLU: the U-Net's unit at every level."""

    def __init__(self, c_in: int, c_out: int, norm: str = "batch", dilation: int = 1):
        super().__init__(
            nn.Conv2d(c_in, c_out, 3, padding=dilation, dilation=dilation, bias=norm == "none"),
            norm_layer(norm, c_out), nn.ReLU(inplace=True),
            nn.Conv2d(c_out, c_out, 3, padding=dilation, dilation=dilation, bias=norm == "none"),
            norm_layer(norm, c_out), nn.ReLU(inplace=True),
        )


class UNet(nn.Module):
    def __init__(self, config: UNetConfig):
        super().__init__()
        if config.depth < 1:
            raise ValueError(f"depth must be at least 1, got {config.depth}")
        if config.up not in ("transpose", "bilinear"):
            raise ValueError(f"up must be 'transpose' or 'bilinear', not {config.up!r}")
        self.config = config
        widths = [min(config.base_width * 2 ** level, config.max_width) for level in range(config.depth + 1)]
        self.widths = widths
        self.down = nn.ModuleList()
        c_in = config.in_channels
        for w in widths[:-1]:
            self.down.append(ConvBlock(c_in, w, config.norm))
            c_in = w
        self.bottleneck = nn.Sequential(ConvBlock(c_in, widths[-1], config.norm), nn.Dropout2d(config.dropout))
        self.upsample = nn.ModuleList()
        self.up = nn.ModuleList()
        for level in reversed(range(config.depth)):
            deeper, here = widths[level + 1], widths[level]
            if config.up == "transpose":
                self.upsample.append(nn.ConvTranspose2d(deeper, here, kernel_size=2, stride=2))
            else:
                self.upsample.append(nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                                                   nn.Conv2d(deeper, here, 1)))
            self.up.append(ConvBlock(2 * here, here, config.norm))   # input: upsampled + skip, concatenated
        self.head = nn.Conv2d(widths[0], config.out_channels, 1)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(B, in, H, W) -> (B, base_width, H, W): the decoder's last features, before the 1x1 head."""
        factor = 2 ** self.config.depth
        if x.shape[-1] % factor or x.shape[-2] % factor:
            raise ValueError(f"U-Net of depth {self.config.depth} needs H and W divisible by {factor}, "
                             f"got {tuple(x.shape[-2:])}")
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)                        # (B, w_level, H / 2^level, W / 2^level)
            x = F.max_pool2d(x, 2)
        x = self.bottleneck(x)                     # (B, w_depth, H / 2^depth, W / 2^depth)
        for upsample, block, skip in zip(self.upsample, self.up, reversed(skips)):
            x = upsample(x)                        # twice the resolution, the skip's channel count
            x = block(torch.cat([x, skip], dim=1))
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))         # (B, out_channels, H, W)

    def loss(self, batch) -> torch.Tensor:
        """Segmentation: mean pixel-wise cross-entropy of ``(images (B, 3, H, W), masks (B, H, W) int64)``."""
        images, masks = batch
        return F.cross_entropy(self(images), masks)

    @torch.no_grad()
    def predict(self, images: torch.Tensor) -> torch.Tensor:
        """(B, H, W) arg-max class of every pixel."""
        return self(images).argmax(1)
