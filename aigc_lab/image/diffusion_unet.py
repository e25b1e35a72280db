"""A small U-Net that predicts the noise in an image, told the time step and (optionally) what to draw.

The denoiser of a diffusion model (Ho et al. 2020, section 4 and appendix B) in
about 250 lines: an encoder that halves the resolution level by level, a decoder
that doubles it back and concatenates the encoder's features at the same
resolution (the U-Net's skip connections, Ronneberger et al. 2015), residual
blocks with group norm, and one self-attention block at the lowest resolution.

Everything the network is told besides the noisy image arrives as one embedding
vector per image, added inside every residual block as a scale and a shift of its
features ("FiLM"):

    emb = time_mlp(sinusoidal(t))                # when: the noise level, eq. (1) of Vaswani et al. 2017's
                                                 #       positional encoding applied to the step number
        + class_embedding(labels)                # what: a class id; the extra id `num_classes` is the
                                                 #       *null class* used for classifier-free guidance
        + cond_proj(cond)                        # what: any condition vector (a caption embedding, ...)

The conditioning interface, for reuse beyond digits:

* ``labels`` (B,) int64 in 0..num_classes-1 (``UNetConfig.num_classes`` > 0); missing means "no class".
* ``cond`` (B, cond_dim) float (``UNetConfig.cond_dim`` > 0): e.g. a sentence embedding of a caption;
  missing means "no condition", replaced by a learned null vector.
* ``cond_image`` (B, cond_channels, H, W) float (``UNetConfig.cond_channels`` > 0): images concatenated
  to the input channels, e.g. the previous frames of a video or a low-resolution version of the target.
* ``drop`` (B,) bool: rows that see *no* condition at all (null class, null vector, zeroed
  ``cond_image``). Training drops a random 10% so that one network learns both p(x | c) and
  p(x); classifier-free guidance (Ho and Salimans 2022) then mixes the two predictions.

    net = DiffusionUNet(UNetConfig(image_size=16, num_classes=10))
    eps = net(x_t, t, labels=y)                  # (B, 1, 16, 16): the predicted noise
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class UNetConfig:
    image_size: int = 16                   # height = width; divisible by 2 ** (len(mults) - 1)
    in_channels: int = 1                   # image channels (the output has the same number)
    patch: int = 1                         # > 1: fold patch x patch pixels into channels first (pixel unshuffle),
    #                                        so the U-Net runs on a grid patch times coarser: about patch^2 less work
    base: int = 32                         # channels at the first level
    mults: tuple[int, ...] = (1, 2, 2)     # channel multiplier per resolution level: 16x16, 8x8, 4x4
    blocks: int = 1                        # residual blocks per level on the way down (one more on the way up)
    attention: bool = True                 # self-attention at the lowest resolution
    groups: int = 8                        # group norm groups (must divide every channel count)
    dropout: float = 0.0
    num_classes: int = 0                   # > 0: class-conditional; label `num_classes` is the null class
    cond_dim: int = 0                      # > 0: accepts a (B, cond_dim) condition vector
    cond_channels: int = 0                 # > 0: accepts (B, cond_channels, H, W) images beside the input


def sinusoidal_embedding(t: torch.Tensor, dim: int, max_period: float = 10_000.0) -> torch.Tensor:
    """(B,) time steps -> (B, dim): sines and cosines of t at geometrically spaced frequencies.

    The Transformer's positional encoding (Vaswani et al. 2017, section 3.5), used by Ho et al. 2020
    (appendix B) to tell one shared network which noise level it is looking at.
    """
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    angles = t.float()[:, None] * freqs[None]                               # (B, half)
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)         # (B, dim)


class ResBlock(nn.Module):
    """GroupNorm -> SiLU -> conv, then scale and shift by the embedding, GroupNorm -> SiLU -> conv, plus a skip."""

    def __init__(self, c_in: int, c_out: int, emb_dim: int, groups: int, dropout: float):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(groups, c_in), nn.Conv2d(c_in, c_out, 3, padding=1)
        self.emb = nn.Linear(emb_dim, 2 * c_out)                             # -> (scale, shift) per channel
        self.norm2, self.conv2 = nn.GroupNorm(groups, c_out), nn.Conv2d(c_out, c_out, 3, padding=1)
        self.dropout = nn.Dropout(dropout)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()
        nn.init.zeros_(self.conv2.weight)                                    # each block starts as the identity
        nn.init.zeros_(self.conv2.bias)

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))                                # (B, c_out, H, W)
        scale, shift = self.emb(F.silu(emb))[:, :, None, None].chunk(2, dim=1)   # each (B, c_out, 1, 1)
        h = self.norm2(h) * (1 + scale) + shift                              # FiLM: the condition steers features
        h = self.conv2(self.dropout(F.silu(h)))
        return self.skip(x) + h


class SelfAttention(nn.Module):
    """Multi-head self-attention over the H*W positions of a feature map, with a residual connection."""

    def __init__(self, channels: int, groups: int, heads: int = 4):
        super().__init__()
        self.heads = heads
        self.norm = nn.GroupNorm(groups, channels)
        self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        self.out = nn.Conv2d(channels, channels, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        qkv = self.qkv(self.norm(x)).reshape(b, 3, self.heads, c // self.heads, h * w)   # (B, 3, heads, d, HW)
        q, k, v = qkv.transpose(-1, -2).unbind(1)                                         # each (B, heads, HW, d)
        a = F.scaled_dot_product_attention(q, k, v)                                       # (B, heads, HW, d)
        return x + self.out(a.transpose(-1, -2).reshape(b, c, h, w))


class DiffusionUNet(nn.Module):
    """eps_theta(x_t, t, condition): the noise predictor of a diffusion model."""

    def __init__(self, config: UNetConfig = UNetConfig()):
        super().__init__()
        self.config = cfg = config
        if cfg.image_size % (cfg.patch * 2 ** (len(cfg.mults) - 1)):
            raise ValueError(f"image_size {cfg.image_size} must be divisible by patch * 2^{len(cfg.mults) - 1} "
                             f"= {cfg.patch * 2 ** (len(cfg.mults) - 1)} to go down {len(cfg.mults) - 1} levels")
        emb_dim = 4 * cfg.base
        self.time_mlp = nn.Sequential(nn.Linear(cfg.base, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
        self.class_emb = nn.Embedding(cfg.num_classes + 1, emb_dim) if cfg.num_classes else None  # +1: null class
        if cfg.cond_dim:
            self.cond_proj = nn.Sequential(nn.Linear(cfg.cond_dim, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))
            self.null_cond = nn.Parameter(torch.zeros(cfg.cond_dim))           # learned "no condition" vector
        channels = [cfg.base * m for m in cfg.mults]                            # e.g. [32, 64, 64]

        pixels_in = (cfg.in_channels + cfg.cond_channels) * cfg.patch ** 2   # channels after pixel unshuffle
        self.conv_in = nn.Conv2d(pixels_in, channels[0], 3, padding=1)
        self.down, self.downsample = nn.ModuleList(), nn.ModuleList()
        c_prev, skips = channels[0], [channels[0]]
        for level, c in enumerate(channels):
            for _ in range(cfg.blocks):
                self.down.append(ResBlock(c_prev, c, emb_dim, cfg.groups, cfg.dropout))
                c_prev = c
                skips.append(c)
            if level < len(channels) - 1:                                       # halve H and W
                self.downsample.append(nn.Conv2d(c, c, 3, stride=2, padding=1))
                skips.append(c)
        self.mid1 = ResBlock(c_prev, c_prev, emb_dim, cfg.groups, cfg.dropout)
        self.mid_attn = SelfAttention(c_prev, cfg.groups) if cfg.attention else nn.Identity()
        self.mid2 = ResBlock(c_prev, c_prev, emb_dim, cfg.groups, cfg.dropout)
        self.up, self.upsample = nn.ModuleList(), nn.ModuleList()
        for level, c in reversed(list(enumerate(channels))):
            for _ in range(cfg.blocks + 1):                                     # each consumes one skip
                self.up.append(ResBlock(c_prev + skips.pop(), c, emb_dim, cfg.groups, cfg.dropout))
                c_prev = c
            if level > 0:                                                       # double H and W
                self.upsample.append(nn.Conv2d(c, c, 3, padding=1))
        self.norm_out = nn.GroupNorm(cfg.groups, c_prev)
        self.conv_out = nn.Conv2d(c_prev, cfg.in_channels * cfg.patch ** 2, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)                                    # predicts zero noise at first
        nn.init.zeros_(self.conv_out.bias)

    def embed(self, t: torch.Tensor, labels: torch.Tensor | None = None, cond: torch.Tensor | None = None,
              drop: torch.Tensor | None = None) -> torch.Tensor:
        """(B, 4*base): the time embedding plus the class and condition-vector embeddings."""
        emb = self.time_mlp(sinusoidal_embedding(t, self.config.base))
        b = emb.shape[0]
        if self.class_emb is not None:
            null = torch.full((b,), self.config.num_classes, dtype=torch.long, device=emb.device)
            labels = null if labels is None else labels
            if drop is not None:
                labels = torch.where(drop, null, labels)
            emb = emb + self.class_emb(labels)
        if self.config.cond_dim:
            null = self.null_cond.expand(b, -1)
            cond = null if cond is None else cond
            if drop is not None:
                cond = torch.where(drop[:, None], null, cond)
            emb = emb + self.cond_proj(cond)
        return emb

    def forward(self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None = None,
                cond: torch.Tensor | None = None, cond_image: torch.Tensor | None = None,
                drop: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, C, H, W) noisy images, t (B,) step indices 0..T-1 -> (B, C, H, W) predicted noise."""
        if t.ndim == 0:
            t = t.expand(x.shape[0])
        emb = self.embed(t, labels, cond, drop)
        if self.config.cond_channels:
            if cond_image is None:
                cond_image = x.new_zeros(x.shape[0], self.config.cond_channels, *x.shape[2:])
            elif drop is not None:
                cond_image = cond_image * (~drop).to(cond_image.dtype)[:, None, None, None]
            x = torch.cat([x, cond_image.to(x.dtype)], dim=1)

        if self.config.patch > 1:
            x = F.pixel_unshuffle(x, self.config.patch)                         # (B, C*p*p, H/p, W/p)
        h = self.conv_in(x)                                                     # (B, base, H/p, W/p)
        skips, blocks = [h], iter(self.down)
        for level in range(len(self.config.mults)):
            for _ in range(self.config.blocks):
                h = next(blocks)(h, emb)
                skips.append(h)
            if level < len(self.downsample):
                h = self.downsample[level](h)                                   # (B, c, H/2, W/2)
                skips.append(h)
        h = self.mid2(self.mid_attn(self.mid1(h, emb)), emb)                    # lowest resolution
        blocks = iter(self.up)
        for level in range(len(self.config.mults)):
            for _ in range(self.config.blocks + 1):
                h = next(blocks)(torch.cat([h, skips.pop()], dim=1), emb)      # U-Net skip connection
            if level < len(self.upsample):
                h = self.upsample[level](F.interpolate(h, scale_factor=2.0, mode="nearest"))
        out = self.conv_out(F.silu(self.norm_out(h)))                           # (B, C*p*p, H/p, W/p)
        return F.pixel_shuffle(out, self.config.patch) if self.config.patch > 1 else out   # (B, C, H, W)
