"""Fast arbitrary style transfer with adaptive instance normalisation, AdaIN (Huang and Belongie, 2017).

Gatys-style transfer optimises the pixels of every new image for hundreds of steps.  AdaIN
replaces the optimisation by one forward pass:

1. a fixed encoder f turns the content image c and the style image s into feature maps;
2. AdaIN gives the content features the style's mean and standard deviation, channel by channel
   (eq. 8 of the paper):   t = sigma(f(s)) * (f(c) - mu(f(c))) / sigma(f(c)) + mu(f(s));
3. a decoder g, the only part that learns, turns t back into an image.

The decoder is trained (eqs. 10-12) so that the encoder's features of its output, f(g(t)),
have the content t (content loss) and, at every encoder layer, the style's per-channel
means and standard deviations (style loss).  Any content and any style can then be combined
without training again, which is what "arbitrary" means.

Here the encoder is the course's ``TinyVGG`` (trained or random), by default up to relu2_1 (half
resolution); the paper used VGG-19 up to relu4_1 (an eighth) and trained for 160,000 steps.  A
decoder from relu2_1 learns to invert its encoder in about a thousand CPU steps; from relu3_1 it
needs many more (``AdaINConfig(depth=3)``), and its first results are shapeless.

    model = AdaINStyleTransfer(encoder)                       # encoder: a TinyVGG, frozen
    train.fit(model, PatchPairs(contents, styles, patch=32, batch=8), steps=500, lr=1e-3)
    image = model.stylise(content, style)                     # (3, H, W), one forward pass
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .style import TinyVGG


def mean_std(features: torch.Tensor, eps: float = 1e-5) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample, per-channel mean and standard deviation over positions: two (B, C, 1, 1) tensors.

    The variance is the biased one (divide by H*W), as in ``F.instance_norm``, plus ``eps``.
    """
    if features.dtype in (torch.float16, torch.bfloat16):
        features = features.float()                  # statistics in float32, also under bf16 autocast
    mean = features.mean(dim=(2, 3), keepdim=True)
    std = (features.var(dim=(2, 3), keepdim=True, unbiased=False) + eps).sqrt()
    return mean, std


def adain(content: torch.Tensor, style: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """Adaptive instance normalisation, eq. (8): the content features with the style's channel statistics.

    content (B, C, H, W), style (B, C, H', W') -> (B, C, H, W).  Equal to
    ``F.instance_norm(content, eps=eps) * std(style) + mean(style)``.
    """
    c_mean, c_std = mean_std(content, eps)
    s_mean, s_std = mean_std(style, eps)
    return s_std * (content - c_mean) / c_std + s_mean


def mean_std_loss(features: list[torch.Tensor], targets: list[torch.Tensor]) -> torch.Tensor:
    """AdaIN's style loss, eq. (12): sum over layers of |mu(a) - mu(b)|^2 + |sigma(a) - sigma(b)|^2.

    Each squared error is a mean over the channels (and the batch), so layers of different widths weigh alike.
    """
    loss = features[0].new_zeros(())
    for a, b in zip(features, targets):
        a_mean, a_std = mean_std(a)
        b_mean, b_std = mean_std(b)
        loss = loss + F.mse_loss(a_mean, b_mean) + F.mse_loss(a_std, b_std)
    return loss


@dataclass
class AdaINConfig:
    depth: int = 2                # AdaIN at the encoder's relu{depth}_1: 2 = relu2_1 (H/2), 3 = relu3_1 (H/4)
    style_weight: float = 1.0     # lambda in eq. (10): L = L_content + lambda * L_style
    decoder_width: int = 1        # decoder channels = encoder channels * this


class Decoder(nn.Module):
    """The encoder's mirror image: relu{depth}_1 features (C, H / 2^(depth-1), ...) -> image (3, H, W).

    For depth 3: conv(c3 -> c2) - up - conv(c2 -> c2) - conv(c2 -> c1) - up - conv(c1 -> c1) - conv(c1 -> 3),
    ReLU after every convolution but the last.  Nearest-neighbour upsampling then a 3x3 convolution
    (not transposed convolutions, which leave checkerboard patterns) and reflection padding, as in the
    paper's decoder; no normalisation layers.
    """

    def __init__(self, channels: tuple[int, ...], depth: int = 2, width: int = 1):
        super().__init__()
        conv = lambda i, o: nn.Conv2d(i, o, 3, padding=1, padding_mode="reflect")   # noqa: E731
        wide = [c * width for c in channels[:depth]]
        layers, previous = [], channels[depth - 1]                 # from the encoder's deepest map
        for level in range(depth - 1, 0, -1):                      # e.g. level 2, then level 1
            layers += [conv(previous, wide[level - 1]), nn.ReLU(), nn.Upsample(scale_factor=2, mode="nearest")]
            layers += [conv(wide[level - 1], wide[level - 1]), nn.ReLU()]
            previous = wide[level - 1]
        layers += [conv(previous, 3)]
        self.layers = nn.Sequential(*layers)

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        return self.layers(t) + 0.5                                # (B, 3, H, W), centred on grey


class AdaINStyleTransfer(nn.Module):
    """A frozen encoder (a ``TinyVGG``), AdaIN, and a decoder trained by ``loss``; ``stylise`` applies it."""

    def __init__(self, encoder: TinyVGG, config: AdaINConfig = AdaINConfig()):
        super().__init__()
        self.config = config
        self.encoder = encoder.eval()
        for p in self.encoder.parameters():
            p.requires_grad_(False)                    # fixed: only the decoder learns
        self.decoder = Decoder(encoder.config.channels, config.depth, config.decoder_width)

    def train(self, mode: bool = True):
        super().train(mode)
        self.encoder.eval()                            # the encoder stays in evaluation mode
        return self

    def loss(self, batch) -> torch.Tensor:
        """batch = (content, style), each (B, 3, S, S) in [0, 1]; eqs. (10)-(12) of the paper."""
        content, style = batch
        depth = self.config.depth
        style_features = self.encoder.features(style, depth)                   # [relu1_1, relu2_1, relu3_1][:depth]
        t = adain(self.encoder.features(content, depth)[-1], style_features[-1])   # e.g. (B, C3, S/4, S/4)
        output = self.decoder(t)                                               # (B, 3, S, S)
        output_features = self.encoder.features(output, depth)
        content_loss = F.mse_loss(output_features[-1].float(), t.float())     # eq. (11)
        return content_loss + self.config.style_weight * mean_std_loss(output_features, style_features)

    @torch.no_grad()
    def stylise(self, content: torch.Tensor, style: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
        """One forward pass: content (3, H, W) or (B, 3, H, W) with the style of ``style``; H, W even (depth 2).

        ``alpha`` trades style for content (eq. 14): t = alpha * AdaIN(f(c), f(s)) + (1 - alpha) * f(c).
        """
        single = content.dim() == 3
        content, style = (content[None], style[None]) if single else (content, style)
        device = next(self.decoder.parameters()).device
        content_features = self.encoder.features(content.to(device), self.config.depth)[-1]
        t = adain(content_features, self.encoder.features(style.to(device), self.config.depth)[-1])
        image = self.decoder(alpha * t + (1 - alpha) * content_features).clamp(0, 1).float().cpu()
        return image[0] if single else image


@torch.no_grad()
def stylisation_scores(model: AdaINStyleTransfer, content: torch.Tensor, style: torch.Tensor,
                       output: torch.Tensor) -> dict[str, float]:
    """A stylised image (3, H, W) against the two trivial answers, "return the content" and "return the style".

    style             mean_std_loss of the output's encoder features against the style's (lower: more style)
    style_of_content  the same for the content photo itself: the baseline for ``style``
    layout            squared error between the instance-normalised deepest features of the output and of the
                      content: what is where, once each channel's mean and spread (the style) are removed
    layout_of_style   the same for the style image (resized to the content's size): the baseline for ``layout``
    """
    device, depth = next(model.decoder.parameters()).device, model.config.depth
    encode = lambda image: model.encoder.features(image[None].to(device), depth)          # noqa: E731
    style_resized = F.interpolate(style[None], size=content.shape[1:], mode="bilinear", antialias=True,
                                  align_corners=False)[0]
    f_out, f_content, f_style, f_style_resized = encode(output), encode(content), encode(style), encode(style_resized)
    reference = F.instance_norm(f_content[-1].float())
    layout = lambda f: F.mse_loss(F.instance_norm(f[-1].float()), reference).item()         # noqa: E731
    return {"style": mean_std_loss(f_out, f_style).item(), "style_of_content": mean_std_loss(f_content, f_style).item(),
            "layout": layout(f_out), "layout_of_style": layout(f_style_resized)}


class PatchPairs:
    """A callable that returns random (content, style) patch batches for ``train.fit``.

    contents, styles: (N, 3, S, S) photo stacks; each batch crops ``batch`` random ``patch`` x
    ``patch`` squares from random content photos and, independently, from random style photos,
    flipped left-right at random.
    """

    def __init__(self, contents: torch.Tensor, styles: torch.Tensor, *, patch: int, batch: int, seed: int = 0):
        self.contents, self.styles, self.patch, self.batch = contents, styles, patch, batch
        self.generator = torch.Generator().manual_seed(seed)

    def _crops(self, photos: torch.Tensor) -> torch.Tensor:
        n, _, h, w = photos.shape
        pick = torch.randint(n, (self.batch,), generator=self.generator)
        top = torch.randint(h - self.patch + 1, (self.batch,), generator=self.generator)
        left = torch.randint(w - self.patch + 1, (self.batch,), generator=self.generator)
        flip = torch.rand(self.batch, generator=self.generator) < 0.5
        crops = [photos[i, :, t:t + self.patch, l:l + self.patch] for i, t, l in zip(pick, top, left)]
        return torch.stack([c.flip(-1) if f else c for c, f in zip(crops, flip)])  # (batch, 3, patch, patch)

    def __call__(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self._crops(self.contents), self._crops(self.styles)
