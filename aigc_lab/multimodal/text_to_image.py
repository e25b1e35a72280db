"""Text to image: a caption-conditioned VAE that draws "a red circle left of a blue square", and its judge.

The generator is a conditional VAE (Kingma et al. 2014, Sohn et al. 2015). The caption fixes *what*
to draw; a small latent z carries what the caption leaves open (exact position, size, background):

    encoder   q(z | x, caption) = N(mu, sigma^2)          (training only)
    decoder   x_hat = D(z, g(caption))                    g: the caption GRU of captions.py
    loss      ||x - x_hat||^2 (summed over pixels) + beta * KL(q || N(0, I))       the ELBO, per image

To draw, z ~ N(0, I) and the decoder runs alone (``generate``). It is a much smaller cousin of the
diffusion models that draw from prompts (``aigc_lab/image/ddpm.py`` is the course's diffusion model);
on two CPU cores it trains in a minute.

The judge is independent of the generator: a ``SmallCNN`` trained on *real* single-shape scenes to
name the colour and the shape (15 classes), plus a rule for position: the centroid of the pixels
closest to each named colour must lie on the side the caption says.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..data.shapes import COLOUR_NAMES, COLOURS, SHAPES
from ..image.cnn import CNNConfig, SmallCNN
from .captions import CaptionEncoder, CaptionEncoderConfig, CaptionTokenizer


@dataclass
class TextToImageConfig:
    image_size: int = 32          # divisible by 4
    channels: int = 32            # conv width
    latent: int = 8               # z: what the caption does not say
    beta: float = 1.0             # weight of the KL term
    caption: CaptionEncoderConfig = field(default_factory=CaptionEncoderConfig)


class CaptionVAE(nn.Module):
    def __init__(self, config: TextToImageConfig):
        super().__init__()
        if config.image_size % 4:
            raise ValueError(f"image_size must be divisible by 4, got {config.image_size}")
        self.config = config
        c, s4, h = config.channels, config.image_size // 4, config.caption.hidden
        self.caption_encoder = CaptionEncoder(config.caption)
        self.encoder = nn.Sequential(                                   # image -> features
            nn.Conv2d(3, c, 3, stride=2, padding=1), nn.ReLU(),         # (B, c, S/2, S/2)
            nn.Conv2d(c, 2 * c, 3, stride=2, padding=1), nn.ReLU(),     # (B, 2c, S/4, S/4)
            nn.Flatten(),
        )
        self.to_posterior = nn.Linear(2 * c * s4 * s4 + h, 2 * config.latent)   # -> (mu, log sigma^2)
        self.from_latent = nn.Sequential(nn.Linear(config.latent + h, 2 * c * s4 * s4), nn.ReLU())
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(2 * c, c, 4, stride=2, padding=1), nn.ReLU(),    # (B, c, S/2, S/2)
            nn.ConvTranspose2d(c, c, 4, stride=2, padding=1), nn.ReLU(),        # (B, c, S, S)
            nn.Conv2d(c, 3, 3, padding=1),                                       # (B, 3, S, S) logits
        )

    def decode(self, z: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        """(B, latent), (B, hidden) -> (B, 3, S, S) in [0, 1]."""
        c, s4 = self.config.channels, self.config.image_size // 4
        h = self.from_latent(torch.cat([z, text], dim=1)).view(-1, 2 * c, s4, s4)
        return torch.sigmoid(self.decoder(h))

    def loss(self, batch) -> torch.Tensor:
        images, ids = batch
        text = self.caption_encoder(ids)                                         # (B, hidden)
        mu, logvar = self.to_posterior(torch.cat([self.encoder(images), text], 1)).chunk(2, dim=1)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()                     # reparameterisation
        recon = self.decode(z, text)
        reconstruction = F.mse_loss(recon, images, reduction="sum") / len(images)
        kl = -0.5 * torch.sum(1 + logvar - mu ** 2 - logvar.exp()) / len(images)   # KL(N(mu, s^2) || N(0, I))
        return reconstruction + self.config.beta * kl


@torch.no_grad()
def generate(model: CaptionVAE, captions: list[str], *, generator: torch.Generator | None = None) -> torch.Tensor:
    """One image per caption: z ~ N(0, I), decoded with the caption. (len(captions), 3, S, S) in [0, 1]."""
    model.eval()
    dev = next(model.parameters()).device
    ids = CaptionTokenizer().encode(captions).to(dev)
    z = torch.randn(len(captions), model.config.latent, generator=generator).to(dev)
    return model.decode(z, model.caption_encoder(ids)).cpu()


# =========================================================================== the judge
def shape_judge(image_size: int = 32) -> SmallCNN:
    """A classifier of single-shape scenes into 15 classes: class = shape * 5 + colour."""
    return SmallCNN(CNNConfig(in_channels=3, size=image_size, channels=(16, 32), classes=len(SHAPES) * len(COLOURS)))


def judge_class(shape: int, colour: int) -> int:
    return shape * len(COLOURS) + colour


def parse_caption(caption: str) -> list[tuple[int, int] | str]:
    """'a red circle left of a blue square' -> [(0, 0), 'left of', (1, 2)]: (shape id, colour id) and relations."""
    words, out, i = caption.split(), [], 0
    while i < len(words):
        if words[i] == "a":
            out.append((SHAPES.index(words[i + 2]), COLOUR_NAMES.index(words[i + 1])))
            i += 3
        elif words[i] in ("left", "right"):
            out.append(f"{words[i]} of")
            i += 2
        elif words[i] in ("above", "below", "and"):
            out.append(words[i])
            i += 1
        else:
            raise ValueError(f"cannot parse {caption!r} at {words[i]!r}")
    return out


def colour_centroid(image: torch.Tensor, colour: int, background: float = 0.08) -> torch.Tensor | None:
    """(x, y) centre of the pixels whose nearest palette colour (or the grey background) is ``colour``.

    Nearest-colour assignment rather than a fixed tolerance, so a slightly washed-out drawing still counts;
    None if no pixel is assigned to ``colour``.
    """
    palette = torch.tensor([COLOURS[name] for name in COLOUR_NAMES] + [(background,) * 3])   # (6, 3)
    distance = (image[None] - palette[:, :, None, None]).norm(dim=1)                        # (6, S, S)
    close = distance.argmin(dim=0) == colour                                                # (S, S) bool
    if not close.any():
        return None
    ys, xs = torch.nonzero(close, as_tuple=True)
    return torch.stack([xs.float().mean(), ys.float().mean()])


def relation_holds(image: torch.Tensor, first_colour: int, relation: str, second_colour: int) -> bool:
    """Is the first colour's centroid left of / right of / above / below the second's?"""
    a, b = colour_centroid(image, first_colour), colour_centroid(image, second_colour)
    if a is None or b is None:
        return False
    dx, dy = float(a[0] - b[0]), float(a[1] - b[1])
    return {"left of": dx < 0, "right of": dx > 0, "above": dy < 0, "below": dy > 0}[relation]


@torch.no_grad()
def judge_single(judge: SmallCNN, images: torch.Tensor, captions: list[str]) -> dict:
    """Colour, shape and both-right accuracy of images drawn from one-object captions."""
    judge.eval()
    predicted = judge(images).argmax(1)
    shape, colour = predicted // len(COLOURS), predicted % len(COLOURS)
    target = torch.tensor([parse_caption(c)[0] for c in captions])      # (N, 2): shape, colour
    shape_ok, colour_ok = shape == target[:, 0], colour == target[:, 1]
    return {"shape_accuracy": shape_ok.float().mean().item(), "colour_accuracy": colour_ok.float().mean().item(),
            "both_accuracy": (shape_ok & colour_ok).float().mean().item()}


def judge_relations(images: torch.Tensor, captions: list[str]) -> float:
    """Share of two-object drawings whose colours sit where the caption says (chance is about one half)."""
    hits = []
    for image, caption in zip(images, captions):
        first, relation, second = parse_caption(caption)[:3]
        hits.append(relation_holds(image, first[1], relation, second[1]))
    return sum(hits) / max(len(hits), 1)
