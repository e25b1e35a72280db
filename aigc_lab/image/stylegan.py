"""StyleGAN's ideas at a small scale: a mapping network, styles by modulated convolution, noise
inputs, style mixing and the truncation trick, for 16x16 digits.

StyleGAN (Karras et al. 2019; StyleGAN2, Karras et al. 2020) changes only the generator:

* the noise z does not enter the image directly; a **mapping network** (an MLP) turns it into
  an intermediate latent w, which is free to be less tangled than the Gaussian z;
* the image grows from a **learned constant**; at every layer an affine map of w gives a
  **style** s (one scale per input channel) that controls that layer. StyleGAN1 applied it by
  **AdaIN** (normalise each feature map, then scale and shift it by the style); StyleGAN2
  folds it into the convolution's weights (**modulation**), then rescales each output channel
  to unit expected variance (**demodulation**), which removes AdaIN's blob artefacts;
* per-pixel **noise** inputs give the stochastic detail (here: stroke texture);
* one w per layer means two latents can be **mixed**: coarse layers (4x4, 8x8) from one,
  fine layers (16x16) from another.

One departure, for short runs: demodulation keeps a layer's output at unit variance only if
its inputs are independent with unit variance. After LeakyReLU and upsampling they are
neither, and with our large learning rates the generator learned within 20 steps to amplify
its features layer by layer until the output sigmoid saturated (all-black images, zero
gradient, no recovery). StyleGAN2 avoids this by slow, equalised-learning-rate training;
here each style layer ends with **pixel norm** (ProGAN, Karras et al. 2018: each pixel's
feature vector divided by its root mean square), which bounds the activations outright.

The discriminator is the DCGAN one (``aigc_lab.image.dcgan.Discriminator``), trained by the
same loop (``aigc_lab.image.gan_training.train_gan``).

    G = StyleGenerator(StyleGANConfig())
    ws = G.mapping(z)[:, None].repeat(1, G.num_ws, 1)    # (B, num_ws, w_dim): one w per layer
    images = G.synthesis(ws)                              # (B, 1, 16, 16) in [0, 1]
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class StyleGANConfig:
    size: int = 16                 # 4x4 constant, doubled twice
    latent: int = 32               # dimension of z
    w_dim: int = 32                # dimension of w (and the input of every style affine)
    mapping_layers: int = 4        # StyleGAN uses 8
    channels: int = 64             # feature maps at 4x4 and 8x8; half of it at 16x16
    classes: int = 0               # > 0: the label's embedding joins z at the mapping network's input
    style_mixing: float = 0.9      # training: probability of using two w's, split at a random layer
    w_avg_beta: float = 0.995      # moving average of w, the centre used by the truncation trick
    pixel_norm: bool = True        # rescale each pixel's feature vector to unit RMS after every style layer


def adain(x: torch.Tensor, scale: torch.Tensor, bias: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """Adaptive instance normalisation (Huang & Belongie 2017; StyleGAN1's style operation).

    x (B, C, H, W); scale, bias (B, C). Each feature map is normalised to mean 0 and variance 1
    over its own pixels, then given the style's scale and bias: the style decides each channel's
    statistics, whatever they were before."""
    mean = x.mean(dim=(2, 3), keepdim=True)
    var = x.var(dim=(2, 3), keepdim=True, unbiased=False)
    return scale[:, :, None, None] * (x - mean) / torch.sqrt(var + eps) + bias[:, :, None, None]


def modulated_weight(weight: torch.Tensor, styles: torch.Tensor, demodulate: bool = True,
                     eps: float = 1e-8) -> torch.Tensor:
    """StyleGAN2's eq. (1) and (3): per-sample convolution weights (B, out, in, k, k).

    Modulation   w'_ijk  = s_i * w_ijk                 (scale input channel i by the style)
    Demodulation w''_ijk = w'_ijk / sqrt(sum_ik w'_ijk^2 + eps)   (unit norm per output channel j)
    """
    w = weight[None] * styles[:, None, :, None, None]                   # (B, out, in, k, k)
    if demodulate:
        w = w * torch.rsqrt(w.pow(2).sum(dim=(2, 3, 4), keepdim=True) + eps)
    return w


class ModulatedConv2d(nn.Module):
    """A convolution whose weights are modulated by a style computed from w, one set per sample.

    Two equal ways to run it. ``forward_grouped`` builds every sample's weights (``modulated_weight``)
    and runs them as one grouped convolution (groups = B), as StyleGAN2's paper describes.
    ``forward`` uses the same algebra with one shared convolution: modulating input channel i's
    weights by s_i is scaling input channel i by s_i; demodulating is scaling each output channel
    by its factor d_j. It is much faster on a CPU, and the tests check both agree.
    StyleGAN stores weights as N(0, 1) and multiplies them by 1/sqrt(fan_in) at run time ("equalised
    learning rate"); with Adam that makes every layer learn slowly, which suits its millions of
    training images. Our runs are a few thousand steps, so the weights are stored at their working
    scale, N(0, 1/fan_in), like an ordinary layer's.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, w_dim: int, demodulate: bool = True):
        super().__init__()
        fan_in = in_channels * kernel_size ** 2
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size) / math.sqrt(fan_in))
        self.affine = nn.Linear(w_dim, in_channels)                      # w -> style s (B, in)
        nn.init.ones_(self.affine.bias)                                  # styles start near 1: a plain conv
        self.demodulate = demodulate
        self.padding = kernel_size // 2

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        styles = self.affine(w)                                          # (B, in)
        weight = self.weight                                             # (out, in, k, k)
        x = F.conv2d(x * styles[:, :, None, None].to(x.dtype), weight.to(x.dtype), padding=self.padding)
        if self.demodulate:                                              # d_j = 1 / sqrt(sum_ik (s_i w_ijk)^2)
            d = torch.rsqrt(styles.float().pow(2) @ weight.float().pow(2).sum(dim=(2, 3)).T + 1e-8)  # (B, out)
            x = x * d[:, :, None, None].to(x.dtype)
        return x                                                         # (B, out, H, W)

    def forward_grouped(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        b, c, h, wd = x.shape
        styles = self.affine(w)                                          # (B, in)
        weight = modulated_weight(self.weight, styles, self.demodulate)  # (B, out, in, k, k)
        out = F.conv2d(x.reshape(1, b * c, h, wd), weight.reshape(-1, c, *weight.shape[3:]).to(x.dtype),
                       padding=self.padding, groups=b)                   # (1, B * out, H, W)
        return out.reshape(b, -1, h, wd)


def pixel_norm(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """(B, C, H, W) -> the same, each pixel's C-vector divided by its root mean square (ProGAN, section 4.2)."""
    return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + eps)


class StyleLayer(nn.Module):
    """Modulated 3x3 convolution + scaled per-pixel noise + bias + LeakyReLU (+ pixel norm)."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, normalise: bool = True):
        super().__init__()
        self.conv = ModulatedConv2d(in_channels, out_channels, 3, w_dim)
        self.noise_strength = nn.Parameter(torch.zeros(()))              # learned; starts with no noise
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.normalise = normalise

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise: torch.Tensor | None = None) -> torch.Tensor:
        x = self.conv(x, w)                                              # (B, out, H, W)
        if noise is None:
            noise = torch.randn(x.shape[0], 1, *x.shape[2:], device=x.device, dtype=x.dtype)
        x = F.leaky_relu(x + self.noise_strength * noise + self.bias[None, :, None, None], 0.2)
        return pixel_norm(x) if self.normalise else x


class MappingNetwork(nn.Module):
    """z (B, latent) [+ label] -> w (B, w_dim): normalise z, then an MLP with LeakyReLU."""

    def __init__(self, config: StyleGANConfig):
        super().__init__()
        self.embed = nn.Embedding(config.classes, config.latent) if config.classes else None
        layers, width = [], config.latent * (2 if config.classes else 1)
        for _ in range(config.mapping_layers):
            layers += [nn.Linear(width, config.w_dim), nn.LeakyReLU(0.2)]
            width = config.w_dim
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        z = z * torch.rsqrt(z.pow(2).mean(dim=1, keepdim=True) + 1e-8)   # "pixel norm": z on a sphere
        if self.embed is not None:
            if labels is None:
                raise ValueError("this generator is class-conditional: pass labels (B,) of class ids")
            e = self.embed(labels)
            z = torch.cat([z, e * torch.rsqrt(e.pow(2).mean(dim=1, keepdim=True) + 1e-8)], dim=1)
        return self.net(z)


class SynthesisNetwork(nn.Module):
    """ws (B, num_ws, w_dim) -> image (B, 1, S, S) in [0, 1], from a learned 4x4 constant.

    layer   0: 4x4      1, 2: 8x8      3, 4: 16x16      5: to image (1x1, not demodulated)
    """

    def __init__(self, config: StyleGANConfig):
        super().__init__()
        c, wd, pn = config.channels, config.w_dim, config.pixel_norm
        self.const = nn.Parameter(torch.randn(1, c, 4, 4))
        self.layers = nn.ModuleList([
            StyleLayer(c, c, wd, pn),                                             # 4x4
            StyleLayer(c, c, wd, pn), StyleLayer(c, c, wd, pn),                   # 8x8
            StyleLayer(c, c // 2, wd, pn), StyleLayer(c // 2, c // 2, wd, pn),    # 16x16
        ])
        self.upsample_before = {1, 3}                                     # layers that first double the resolution
        self.to_image = ModulatedConv2d(c // 2, 1, 1, wd, demodulate=False)
        self.image_bias = nn.Parameter(torch.zeros(1))
        self.num_ws = len(self.layers) + 1

    def forward(self, ws: torch.Tensor, noise: list[torch.Tensor] | None = None) -> torch.Tensor:
        x = self.const.expand(ws.shape[0], -1, -1, -1)                    # (B, c, 4, 4)
        for i, layer in enumerate(self.layers):
            if i in self.upsample_before:
                x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
            x = layer(x, ws[:, i], None if noise is None else noise[i])
        return torch.sigmoid(self.to_image(x, ws[:, -1]) + self.image_bias)


class StyleGenerator(nn.Module):
    """z (B, latent) [+ label] -> image (B, 1, S, S) in [0, 1]: mapping network, then synthesis network."""

    def __init__(self, config: StyleGANConfig = StyleGANConfig()):
        super().__init__()
        if config.size != 16:
            raise ValueError("this small StyleGAN is laid out for 16x16 images (4x4 constant, two doublings)")
        self.config = config
        self.mapping = MappingNetwork(config)
        self.synthesis = SynthesisNetwork(config)
        self.num_ws = self.synthesis.num_ws
        # centre of w space for the truncation trick: one per class (the class is part of w), or one in all
        self.register_buffer("w_avg", torch.zeros(max(1, config.classes), config.w_dim))

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None, *, truncation: float = 1.0,
                noise: list[torch.Tensor] | None = None) -> torch.Tensor:
        w = self.mapping(z, labels)                                       # (B, w_dim)
        group = labels if labels is not None else torch.zeros(len(z), dtype=torch.long, device=z.device)
        if self.training:
            self._track_w_avg(w.detach().float(), group)
        ws = w[:, None].repeat(1, self.num_ws, 1)                         # (B, num_ws, w_dim): the same w everywhere
        if self.training and torch.rand(()) < self.config.style_mixing:
            # mixing regularisation: from a random layer on, use the w of a second z, so that
            # layers cannot rely on sharing one style (section 3.1 of StyleGAN)
            w2 = self.mapping(torch.randn_like(z), labels)
            cut = int(torch.randint(1, self.num_ws, ()))
            ws[:, cut:] = w2[:, None]
        if truncation != 1.0:                                             # pull every w towards its class's average
            centre = self.w_avg[group][:, None].to(ws.dtype)              # (B, 1, w_dim)
            ws = centre + truncation * (ws - centre)
        return self.synthesis(ws, noise)

    @torch.no_grad()
    def _track_w_avg(self, w: torch.Tensor, group: torch.Tensor) -> None:
        """Moving average of w for each class present in the batch."""
        sums = torch.zeros_like(self.w_avg).index_add_(0, group, w)
        counts = torch.bincount(group, minlength=len(self.w_avg))
        present = counts > 0
        means = sums[present] / counts[present, None]
        self.w_avg[present] = torch.lerp(self.w_avg[present], means, 1 - self.config.w_avg_beta)

    @torch.no_grad()
    def mix(self, z_coarse: torch.Tensor, z_fine: torch.Tensor, crossover: int, labels_coarse=None, labels_fine=None,
            noise: list[torch.Tensor] | None = None) -> torch.Tensor:
        """Style mixing: layers before ``crossover`` take w from ``z_coarse``, the rest from ``z_fine``."""
        w_coarse, w_fine = self.mapping(z_coarse, labels_coarse), self.mapping(z_fine, labels_fine)
        ws = w_coarse[:, None].repeat(1, self.num_ws, 1)
        ws[:, crossover:] = w_fine[:, None]
        return self.synthesis(ws, noise)

    @torch.no_grad()
    def sample(self, n: int, labels: torch.Tensor | None = None, *, seed: int = 0, truncation: float = 1.0) -> torch.Tensor:
        """n images (n, 1, S, S) in [0, 1], returned on the CPU."""
        from .dcgan import sample
        return sample(self, n, labels, seed=seed, truncation=truncation)

    def fixed_noise(self, n: int, seed: int = 0) -> list[torch.Tensor]:
        """One set of noise maps (one per style layer) for n images: hold it fixed to compare styles."""
        rng = torch.Generator().manual_seed(seed)
        device = self.const_device()
        sizes = [4, 8, 8, 16, 16]
        return [torch.randn(n, 1, s, s, generator=rng).to(device) for s in sizes]

    def const_device(self) -> torch.device:
        return self.synthesis.const.device
