"""Texture synthesis and style transfer by optimising pixels (Gatys, Ecker and Bethge, 2015 and 2016).

A texture is described by which features occur *together*, not where: the Gram matrix of a
layer's feature maps, G[i, j] = mean over positions of F_i * F_j, throws away every position
and keeps the correlations.  Texture synthesis starts from noise and changes the pixels until
their Gram matrices match a source's; style transfer starts from a photo and matches the
Gram matrices of a style image while keeping the photo's own features (its content).

Gatys used a VGG network trained on ImageNet.  Nothing is downloaded in this course, so the
features come from one of two places:

* ``TinyVGG``: a small VGG-shaped network trained here in seconds (to tell which photo a patch
  comes from), features taken after the first ReLU of each block, as Gatys took relu1_1 ... relu5_1;
* ``RandomMultiScaleFeatures``: one layer of *random* filters of several sizes followed by a
  ReLU.  Ustyuzhaninov, Brendel, Gatys and Bethge (2016, "Texture synthesis using shallow
  convolutional networks with random filters") found that this alone synthesises good
  textures: the many sizes see structure at many scales.

Both are "feature nets": ``net.features(images) -> list of (B, C, H, W) maps``.

    net = RandomMultiScaleFeatures()
    texture = synthesise_texture(natural_image("brick", 64), net, size=64, steps=300).image
    result = style_transfer(content, style, net, steps=300).image
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F
from tqdm.auto import tqdm

from .. import runtime


# --------------------------------------------------------------------------- statistics and losses
def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) -> (B, C, C): G[b, i, j] = mean over the H*W positions of F[b, i] * F[b, j]."""
    b, c, h, w = features.shape
    flat = features.reshape(b, c, h * w)
    if flat.dtype in (torch.float16, torch.bfloat16):
        flat = flat.float()                               # float32 under autocast: sums of many products
    return flat @ flat.transpose(1, 2) / (h * w)          # (B, C, C)


def style_loss(features: list[torch.Tensor], target_grams: list[torch.Tensor]) -> torch.Tensor:
    """Relative squared error of the Gram matrices, averaged over layers: mean_l |G_l - A_l|^2 / |A_l|^2.

    Gatys et al. sum |G_l - A_l|^2 / (4 N_l^2 M_l^2) with a weight per layer, so the loss's size
    depends on how large a network's features are.  Dividing by |A_l|^2 instead makes the number
    comparable across layers and across networks: 1 means "as far off as all-zero features", and a
    random-feature loss of 0.01 means the same as a trained-feature loss of 0.01.
    """
    losses = [((gram_matrix(f) - a) ** 2).sum(dim=(1, 2)) / (a ** 2).sum(dim=(1, 2)).clamp_min(1e-12)
              for f, a in zip(features, target_grams)]
    return torch.stack(losses).mean()


def content_loss(features: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Relative squared error of one layer's feature maps, |F - P|^2 / |P|^2 (Gatys eq. 1, normalised)."""
    if features.dtype in (torch.float16, torch.bfloat16):
        features, target = features.float(), target.float()   # float32 under bf16 autocast
    return ((features - target) ** 2).sum() / (target ** 2).sum().clamp_min(1e-12)


# --------------------------------------------------------------------------- feature nets
class RandomMultiScaleFeatures(nn.Module):
    """One convolution layer of random filters of several sizes, then a ReLU (Ustyuzhaninov et al. 2016).

    Each size gets ``filters`` filters; a k x k filter responds to structure about k pixels
    across, so the sizes together cover fine grain to large shapes.  The weights are drawn once
    from a seeded generator and never trained (buffers, not parameters).
    """

    def __init__(self, kernel_sizes: tuple[int, ...] = (3, 5, 7, 11, 15), filters: int = 32, seed: int = 0):
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.kernel_sizes = kernel_sizes
        for k in kernel_sizes:
            weight = torch.randn(filters, 3, k, k, generator=generator) / math.sqrt(3 * k * k)  # unit-scale outputs
            self.register_buffer(f"weight_{k}", weight)                                        # (filters, 3, k, k)

    def features(self, images: torch.Tensor) -> list[torch.Tensor]:
        """(B, 3, H, W) in [0, 1] -> one (B, filters, H, W) map per filter size."""
        x = images - 0.5                                               # centred, so a ReLU passes about half
        maps = []
        for k in self.kernel_sizes:
            padded = F.pad(x, [k // 2] * 4, mode="reflect")           # same size out; mirrored borders
            maps.append(F.relu(F.conv2d(padded, getattr(self, f"weight_{k}"))))
        return maps

    def forward(self, images: torch.Tensor) -> list[torch.Tensor]:
        return self.features(images)


@dataclass
class TinyVGGConfig:
    channels: tuple[int, int, int] = (16, 32, 64)   # widths of the three blocks (VGG-19: 64, 128, 256, 512, 512)
    classes: int = 16                               # what the classifier head predicts (here: which photo)


class TinyVGG(nn.Module):
    """A VGG-shaped classifier: [conv3-relu] x2 - pool, [conv3-relu] x2 - pool, [conv3-relu] x2 - mean - linear.

    ``features`` returns the output of the first ReLU of each block (relu1_1, relu2_1, relu3_1 in
    VGG's naming), at full, half and quarter resolution: the layers Gatys used for style.
    """

    def __init__(self, config: TinyVGGConfig = TinyVGGConfig()):
        super().__init__()
        self.config = config
        c1, c2, c3 = config.channels
        conv = lambda i, o: nn.Conv2d(i, o, 3, padding=1, padding_mode="reflect")   # noqa: E731
        self.conv1_1, self.conv1_2 = conv(3, c1), conv(c1, c1)
        self.conv2_1, self.conv2_2 = conv(c1, c2), conv(c2, c2)
        self.conv3_1, self.conv3_2 = conv(c2, c3), conv(c3, c3)
        self.head = nn.Linear(c3, config.classes)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):          # He initialisation: features keep their size layer after
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")   # layer, trained or not
                nn.init.zeros_(module.bias)

    def features(self, images: torch.Tensor, depth: int = 3) -> list[torch.Tensor]:
        """[relu1_1, relu2_1, relu3_1][:depth] of images (B, 3, H, W) in [0, 1]; H, W divisible by 4."""
        x = images - 0.5
        relu1_1 = F.relu(self.conv1_1(x))                                      # (B, c1, H, W)
        if depth == 1:
            return [relu1_1]
        x = F.max_pool2d(F.relu(self.conv1_2(relu1_1)), 2)
        relu2_1 = F.relu(self.conv2_1(x))                                      # (B, c2, H/2, W/2)
        if depth == 2:
            return [relu1_1, relu2_1]
        x = F.max_pool2d(F.relu(self.conv2_2(relu2_1)), 2)
        relu3_1 = F.relu(self.conv3_1(x))                                      # (B, c3, H/4, W/4)
        return [relu1_1, relu2_1, relu3_1]

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        relu3_1 = self.features(images)[-1]
        return self.head(F.relu(self.conv3_2(relu3_1)).mean(dim=(2, 3)))     # (B, classes)

    def loss(self, batch) -> torch.Tensor:
        images, labels = batch
        return F.cross_entropy(self(images), labels)

    @torch.no_grad()
    def predict(self, images: torch.Tensor) -> torch.Tensor:
        return self(images).argmax(-1)


def photo_patches(photos: torch.Tensor, n: int, patch: int, *, part: str = "train", seed: int = 0):
    """Random ``patch`` x ``patch`` crops of a stack of photos (P, 3, S, S), labelled by photo: (x, y).

    ``part="train"`` crops from the left three quarters of each photo, ``"test"`` from the right
    quarter, so a classifier is tested on pixels it never saw.  Needs ``patch <= S // 4``.
    """
    p, _, s, _ = photos.shape
    split = s - s // 4
    if part == "train":
        lo, hi = 0, split - patch
    elif part == "test":
        lo, hi = split, s - patch
    else:
        raise ValueError(f"part must be 'train' or 'test', not {part!r}")
    if hi < lo:
        raise ValueError(f"patches of {patch} px do not fit the {part} part of {s}-px photos")
    generator = torch.Generator().manual_seed(seed)
    labels = torch.randint(p, (n,), generator=generator)
    left = torch.randint(lo, hi + 1, (n,), generator=generator)
    top = torch.randint(0, s - patch + 1, (n,), generator=generator)
    flip = torch.rand(n, generator=generator) < 0.5
    crops = [photos[y, :, t:t + patch, l:l + patch] for y, t, l in zip(labels, top, left)]
    x = torch.stack([c.flip(-1) if f else c for c, f in zip(crops, flip)])      # (n, 3, patch, patch)
    return x, labels


# --------------------------------------------------------------------------- optimising pixels
@dataclass
class PixelResult:
    image: torch.Tensor                                    # (3, H, W) in [0, 1], on the CPU
    style_losses: list[float] = field(default_factory=list)    # one per step
    content_losses: list[float] = field(default_factory=list)  # one per step (empty for textures)
    seconds: float = 0.0

    @property
    def final_style_loss(self) -> float:
        return self.style_losses[-1]


def optimise_pixels(net: nn.Module, start: torch.Tensor, style: torch.Tensor, *, content: torch.Tensor | None = None,
                    content_weight: float = 0.0, steps: int = 200, lr: float = 0.03, device=None,
                    progress: bool = True, desc: str = "pixels") -> PixelResult:
    """Change the pixels of ``start`` by Adam to lower style_loss + content_weight * content_loss.

    style_loss compares Gram matrices of every map in ``net.features`` with those of ``style``;
    content_loss compares the *last* map with that of ``content`` (Gatys used one deep layer for
    content, since deep features keep what is where but not the exact pixels).
    The pixels are clamped to [0, 1] after each step.  Gatys used L-BFGS, which needs fewer steps;
    Adam keeps the loop plain.  The net's weights are left untouched.
    """
    dev = runtime.device(device) if not isinstance(device, torch.device) else device
    net = net.to(dev).eval()
    trainable = [p for p in net.parameters() if p.requires_grad]
    for p in trainable:
        p.requires_grad_(False)                            # only the pixels learn (restored at the end)
    precision = runtime.autocast(dev)                      # bf16 features on CUDA; Gram matrices stay float32
    with torch.no_grad(), precision:
        target_grams = [gram_matrix(f) for f in net.features(style[None].to(dev))]
        target_content = net.features(content[None].to(dev))[-1] if content is not None else None
    pixels = start[None].to(dev).clone().requires_grad_(True)        # (1, 3, H, W): the only parameter
    optimizer = torch.optim.Adam([pixels], lr=lr)
    result, started = PixelResult(image=start), time.perf_counter()
    for _ in tqdm(range(steps), disable=not progress, desc=desc):
        with precision:
            features = net.features(pixels)
            s_loss = style_loss(features, target_grams)
            c_loss = content_loss(features[-1], target_content) if target_content is not None else torch.zeros(())
            loss = s_loss + content_weight * c_loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            pixels.clamp_(0, 1)
        result.style_losses.append(s_loss.item())
        if target_content is not None:
            result.content_losses.append(c_loss.item())
    result.image, result.seconds = pixels.detach()[0].cpu(), time.perf_counter() - started
    for p in trainable:
        p.requires_grad_(True)
    return result


def noise_image(size: int, *, like: torch.Tensor | None = None, seed: int = 0) -> torch.Tensor:
    """(3, size, size) uniform noise; with ``like``, noise with that image's mean and spread per channel."""
    noise = torch.rand(3, size, size, generator=torch.Generator().manual_seed(seed))
    if like is None:
        return noise
    mean, std = like.mean(dim=(1, 2), keepdim=True), like.std(dim=(1, 2), keepdim=True)
    return ((noise - 0.5) * math.sqrt(12) * std + mean).clamp(0, 1)          # uniform noise has std 1/sqrt(12)


def synthesise_texture(source: torch.Tensor, net: nn.Module, *, size: int, steps: int = 200, lr: float = 0.03,
                       seed: int = 0, device=None, progress: bool = True) -> PixelResult:
    """A new ``size`` x ``size`` texture with the Gram matrices of ``source``, grown from noise (Gatys et al. 2015)."""
    start = noise_image(size, like=source, seed=seed)
    return optimise_pixels(net, start, source, steps=steps, lr=lr, device=device, progress=progress, desc="texture")


def style_transfer(content: torch.Tensor, style: torch.Tensor, net: nn.Module, *, steps: int = 200,
                   content_weight: float = 1.0, lr: float = 0.03, device=None, progress: bool = True) -> PixelResult:
    """The content photo repainted with the style's Gram matrices (Gatys et al. 2016), starting from the photo."""
    return optimise_pixels(net, content, style, content=content, content_weight=content_weight, steps=steps, lr=lr,
                           device=device, progress=progress, desc="style transfer")


# --------------------------------------------------------------------------- texture statistics in pixel space
def spectrum_profile(image: torch.Tensor, bins: int = 12) -> torch.Tensor:
    """Log power of the grey image's Fourier spectrum, averaged over rings of equal frequency: (bins - 1,).

    It says how much structure an image has at each scale, whatever the features that made it.  The
    innermost ring (with the mean brightness) and the corners beyond the Nyquist frequency are left out.
    """
    grey = image.detach().float().cpu().mean(dim=0)
    grey = grey - grey.mean()
    power = torch.fft.fftshift(torch.fft.fft2(grey).abs() ** 2) / grey.numel()   # (H, W)
    h, w = grey.shape
    yy, xx = torch.meshgrid(torch.arange(h) - h // 2, torch.arange(w) - w // 2, indexing="ij")
    radius = torch.sqrt(xx.float() ** 2 + yy.float() ** 2) / (min(h, w) / 2)      # 0 at DC, 1 at Nyquist
    ring = (radius * bins).long().clamp(max=bins)                                  # rings past Nyquist -> bin `bins`
    totals = torch.zeros(bins + 1).index_add_(0, ring.flatten(), power.flatten())
    counts = torch.zeros(bins + 1).index_add_(0, ring.flatten(), torch.ones(h * w))
    return torch.log10(totals[1:bins] / counts[1:bins] + 1e-8)                    # rings 1 .. bins - 1


def spectrum_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """Mean absolute difference of two images' spectrum profiles, in decades of power."""
    return (spectrum_profile(a) - spectrum_profile(b)).abs().mean().item()


def colour_histogram_distance(a: torch.Tensor, b: torch.Tensor, bins: int = 16) -> float:
    """Total-variation distance (0 = same, 1 = disjoint) of the per-channel histograms, averaged over channels."""
    distances = []
    for ca, cb in zip(a.detach().float().cpu(), b.detach().float().cpu()):
        ha = torch.histc(ca.clamp(0, 1), bins=bins, min=0, max=1)
        hb = torch.histc(cb.clamp(0, 1), bins=bins, min=0, max=1)
        distances.append(0.5 * (ha / ha.sum() - hb / hb.sum()).abs().sum())
    return torch.stack(distances).mean().item()
