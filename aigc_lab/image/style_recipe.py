"""The recipe of notebooks/03_image/07_style_transfer: sizes per profile, the feature net and AdaIN's training.

A ``TinyVGG`` learns which of the training photos a patch comes from (its features then drive texture
synthesis and Gatys style transfer); an AdaIN decoder learns to stylise from pairs of photo patches.  The
photos in ``HELD_OUT`` are never trained on.  The notebook and the ``image`` benchmark both use these.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .. import runtime, train
from ..data.image import shuffled_batches
from ..settings import Settings
from .adain import AdaINConfig, AdaINStyleTransfer, PatchPairs
from .style import TinyVGG, TinyVGGConfig, photo_patches

HELD_OUT = ("chelsea", "gravel", "immunohistochemistry")   # content, and two unseen styles
TEXTURES = ("brick", "gravel")


@dataclass
class StyleSettings(Settings):
    size: int                             # side of every synthesised or stylised image
    steps: int                            # optimisation steps on the pixels (texture and Gatys transfer)
    classifier_steps: int                 # the TinyVGG patch classifier
    adain_steps: int
    adain_patch: int                      # side of AdaIN's training patches
    adain_batch: int
    content_weights: dict[str, float]     # Gatys: weight of the content loss, per feature net


def settings(profile_name: str | None = None) -> StyleSettings:
    """Sizes per profile, shared by the notebook and the benchmark."""
    pick = lambda smoke, cpu, gpu: runtime.pick(smoke, cpu, gpu, profile_name=profile_name)   # noqa: E731
    return StyleSettings(
        size=pick(32, 96, 192),
        steps=pick(60, 300, 600),
        classifier_steps=pick(150, 600, 1500),
        adain_steps=pick(150, 1000, 3000),
        adain_patch=pick(16, 32, 64),
        adain_batch=pick(4, 8, 16),
        content_weights={"random multi-scale": 0.1, "TinyVGG, trained": 0.3},
    )


def patch_data(stack: torch.Tensor, s: StyleSettings) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Patches of the training photos (N, 3, H, W): (x_train, y_train, x_test, y_test), the test patches from a
    strip of each photo that training never sees."""
    x_train, y_train = photo_patches(stack, 4096, s["size"] // 4, part="train", seed=0)
    x_test, y_test = photo_patches(stack, 1024, s["size"] // 4, part="test", seed=1)
    return x_train, y_train, x_test, y_test


def train_feature_net(x_train: torch.Tensor, y_train: torch.Tensor, classes: int, s: StyleSettings, *,
                      device=None) -> tuple[TinyVGG, train.History]:
    """A TinyVGG that tells which photo a patch comes from: (model, history)."""
    runtime.seed_everything(0)
    model = TinyVGG(TinyVGGConfig(classes=classes))
    history = train.fit(model, shuffled_batches(x_train, y_train, 32), steps=s["classifier_steps"], lr=3e-3,
                        warmup=20, device=device, progress=False)
    return model, history


def adain_pairs(stack: torch.Tensor, s: StyleSettings) -> PatchPairs:
    """Random (content, style) patch pairs of the training photos: one stream, shared by every decoder trained."""
    return PatchPairs(stack, stack, patch=s["adain_patch"], batch=s["adain_batch"], seed=0)


def train_adain(encoder: torch.nn.Module, pairs: PatchPairs, s: StyleSettings, *,
                device=None) -> tuple[AdaINStyleTransfer, train.History]:
    """An AdaIN decoder over a fixed ``encoder``, trained on ``pairs`` (see ``adain_pairs``)."""
    runtime.seed_everything(0)
    model = AdaINStyleTransfer(encoder, AdaINConfig(depth=2))
    history = train.fit(model, pairs, steps=s["adain_steps"], lr=3e-3, warmup=20, device=device, progress=False)
    return model, history
