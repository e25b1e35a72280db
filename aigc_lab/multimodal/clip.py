"""A CLIP-style contrastive model (Radford et al. 2021) for the shapes scenes and their captions.

Two encoders map an image and a caption into the same space; training pulls each image towards
its own caption and pushes it away from the other captions in the batch:

    z_i = normalise(f(image_i)),  t_j = normalise(g(caption_j))          (B, D) each
    S_ij = s * z_i . t_j            s = exp(logit_scale), learned                (B, B)
    loss = ( CE(S, diag) + CE(S^T, diag) ) / 2                     symmetric InfoNCE

Row i of S asks "which caption goes with image i?", column j "which image goes with caption j?".
The same similarity matrix then answers retrieval both ways, which is how the model is scored.

    model = ShapesCLIP(CLIPConfig())
    fit(model, batches, steps=500)              # batches yield (images (B, 3, H, W), caption ids (B, T))
    image_to_text, text_to_image = retrieval_accuracy(model.similarity(images, ids), captions)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

from .captions import CaptionEncoder, CaptionEncoderConfig


@dataclass
class CLIPConfig:
    image_size: int = 32          # input height = width, divisible by 8
    channels: int = 32            # width of the first conv layer (doubled once)
    embed_dim: int = 64           # the shared space both encoders map into
    caption: CaptionEncoderConfig = field(default_factory=CaptionEncoderConfig)
    temperature: float = 0.1      # initial 1 / s; CLIP starts at 0.07 and learns it


class ImageEncoder(nn.Module):
    """(B, 3, S, S) -> (B, out): three stride-2 convolutions, then flatten (which keeps *where* things are,
    as captions say "left of"; a global average pool would throw that away)."""

    def __init__(self, config: CLIPConfig, out: int):
        super().__init__()
        c = config.channels
        self.net = nn.Sequential(
            nn.Conv2d(3, c, 3, stride=2, padding=1), nn.ReLU(),            # (B, c, S/2, S/2)
            nn.Conv2d(c, 2 * c, 3, stride=2, padding=1), nn.ReLU(),        # (B, 2c, S/4, S/4)
            nn.Conv2d(2 * c, 2 * c, 3, stride=2, padding=1), nn.ReLU(),    # (B, 2c, S/8, S/8)
            nn.Flatten(),
            nn.Linear(2 * c * (config.image_size // 8) ** 2, out),
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images)


def info_nce(logits: torch.Tensor) -> torch.Tensor:
    """Symmetric InfoNCE of a (B, B) similarity matrix whose diagonal holds the matching pairs.

    Written out: for row i, -log softmax(S_i)_i = logsumexp_j S_ij - S_ii; the same for columns.
    Equals (F.cross_entropy(S, arange) + F.cross_entropy(S.T, arange)) / 2 (the tests check it).
    """
    if logits.dim() != 2 or logits.size(0) != logits.size(1):
        raise ValueError(f"need a square (B, B) similarity matrix, got shape {tuple(logits.shape)}")
    diagonal = logits.diagonal()                                      # (B,) matching pairs
    image_to_text = torch.logsumexp(logits, dim=1) - diagonal         # (B,) each image against all captions
    text_to_image = torch.logsumexp(logits, dim=0) - diagonal         # (B,) each caption against all images
    return (image_to_text.mean() + text_to_image.mean()) / 2


class ShapesCLIP(nn.Module):
    def __init__(self, config: CLIPConfig):
        super().__init__()
        if config.image_size % 8:
            raise ValueError(f"image_size must be divisible by 8, got {config.image_size}")
        self.config = config
        self.image_encoder = ImageEncoder(config, config.embed_dim)
        self.caption_encoder = CaptionEncoder(config.caption)
        self.caption_proj = nn.Linear(config.caption.hidden, config.embed_dim)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / config.temperature)))

    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        """(B, 3, S, S) in [0, 1] -> (B, D), unit length."""
        return F.normalize(self.image_encoder(images), dim=-1)

    def encode_captions(self, ids: torch.Tensor) -> torch.Tensor:
        """(B, T) word ids -> (B, D), unit length."""
        return F.normalize(self.caption_proj(self.caption_encoder(ids)), dim=-1)

    def similarity(self, images: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        """(B_img, B_txt) scaled cosine similarities S_ij = s z_i . t_j."""
        scale = self.logit_scale.clamp(max=math.log(100)).exp()       # CLIP caps s at 100
        return scale * self.encode_images(images) @ self.encode_captions(ids).T

    def loss(self, batch) -> torch.Tensor:
        images, ids = batch
        return info_nce(self.similarity(images, ids))


def retrieval_accuracy(similarity: torch.Tensor, captions: list[str]) -> tuple[float, float]:
    """Top-1 retrieval both ways over a pool: (image -> text, text -> image).

    Several scenes share a caption ("a red circle"), so a retrieval counts as right when the caption
    it finds (image -> text) or the image it finds (text -> image) has the *same caption text*.
    """
    if similarity.shape != (len(captions), len(captions)):
        raise ValueError(f"similarity {tuple(similarity.shape)} does not match {len(captions)} captions")
    same = _same_caption(captions, similarity.device)                  # (N, N) True where captions are equal
    rows = torch.arange(len(captions), device=similarity.device)
    image_to_text = same[rows, similarity.argmax(dim=1)].float().mean().item()
    text_to_image = same[similarity.argmax(dim=0), rows].float().mean().item()
    return image_to_text, text_to_image


def chance_retrieval(captions: list[str]) -> float:
    """Accuracy of retrieving a uniformly random item of the pool: mean share of the pool with one's caption."""
    return _same_caption(captions, torch.device("cpu")).float().mean(dim=1).mean().item()


def _same_caption(captions: list[str], device: torch.device) -> torch.Tensor:
    ids = {c: i for i, c in enumerate(dict.fromkeys(captions))}
    codes = torch.tensor([ids[c] for c in captions], device=device)
    return codes[:, None] == codes[None, :]


def shuffle_captions(captions: list[str], fraction: float, *, seed: int = 0) -> list[str]:
    """Data-quality experiment: give a ``fraction`` of the scenes another scene's caption (a wrong pairing)."""
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    g = torch.Generator().manual_seed(seed)
    chosen = torch.randperm(len(captions), generator=g)[:round(fraction * len(captions))]
    donors = chosen[torch.randperm(len(chosen), generator=g)]
    noisy = list(captions)
    for i, j in zip(chosen.tolist(), donors.tolist()):
        noisy[i] = captions[j]
    return noisy
