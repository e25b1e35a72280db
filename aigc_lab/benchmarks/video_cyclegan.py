"""The CycleGAN part of the ``video`` benchmark (notebooks/05_video/05_cyclegan).

``settings()`` holds the per-profile sizes that the notebook uses too, so the figures below are the
notebook's. ``figures()`` trains a CycleGAN between filled shapes (domain A) and outlined shapes
(domain B) from ``unpaired_shapes`` and returns JSON-able numbers:

- the cycle error |F(G(x)) - x| on held-out images of both domains (low is necessary, not sufficient:
  a pair of identity maps scores 0);
- the accuracy of an independent domain classifier (a small CNN trained on *real* images of both
  domains, never on the GAN's output) at calling a translated image by its target domain, beside its
  accuracy on untranslated images (what "doing nothing" scores) and on real held-out images;
- flicker when the image model is applied to a video frame by frame: the mean frame difference of the
  translated clips against the source clips' and against a hand-written outline rule's translation
  (an exact per-frame translator, whose changes are due to motion only).
"""
from __future__ import annotations

import time

import torch
import torch.nn.functional as F

from .. import runtime, train
from ..data.video import frame_difference, moving_shapes, unpaired_shapes
from ..image.cnn import CNNConfig, SmallCNN
from ..video.cyclegan import CycleGAN, CycleGANConfig, train_cyclegan

BACKGROUND = 0.08          # the plain background grey of unpaired_shapes and moving_shapes(plain_background=True)


def settings() -> dict:
    """Per-profile sizes shared by notebooks/05_video/05_cyclegan and this benchmark."""
    return {
        "size": 32,
        "n_train": runtime.pick(smoke=400, cpu=2000, gpu=4000),     # images per domain (different scenes)
        "n_test": runtime.pick(smoke=200, cpu=500, gpu=1000),
        "model": dict(width=runtime.pick(smoke=8, cpu=16, gpu=32), disc_width=runtime.pick(smoke=8, cpu=16, gpu=32)),
        "batch": runtime.pick(smoke=16, cpu=16, gpu=32),
        "steps": runtime.pick(smoke=60, cpu=600, gpu=3000),
        "lr": runtime.pick(smoke=2e-3, cpu=1e-3, gpu=5e-4),        # few steps on CPU, so bigger ones
        "max_seconds": runtime.pick(smoke=None, cpu=240, gpu=300),
        "classifier_steps": runtime.pick(smoke=100, cpu=300, gpu=600),
        "clips": runtime.pick(smoke=16, cpu=64, gpu=128),           # moving_shapes clips for the flicker test
        "frames": 8,
    }


def unpaired_batches(a: torch.Tensor, b: torch.Tensor, batch: int, seed: int = 0):
    """A callable giving (a, b) batches drawn independently from the two domains: no pairs anywhere."""
    generator = torch.Generator().manual_seed(seed)

    def next_batch():
        return (a[torch.randint(0, len(a), (batch,), generator=generator)],
                b[torch.randint(0, len(b), (batch,), generator=generator)])
    return next_batch


def train_domain_classifier(a: torch.Tensor, b: torch.Tensor, *, steps: int, seed: int = 0,
                            device=None) -> SmallCNN:
    """A small CNN telling domain A (label 0) from domain B (label 1), trained on real images only."""
    runtime.seed_everything(seed)
    images = torch.cat([a, b])
    labels = torch.cat([torch.zeros(len(a)), torch.ones(len(b))]).long()
    generator = torch.Generator().manual_seed(seed)

    def batch():
        idx = torch.randint(0, len(images), (64,), generator=generator)
        return images[idx], labels[idx]

    model = SmallCNN(CNNConfig(in_channels=a.shape[1], size=a.shape[-1], classes=2))
    train.fit(model, batch, steps=steps, lr=3e-3, device=device, progress=False)
    return model.eval().cpu()


def domain_accuracy(classifier: SmallCNN, images: torch.Tensor, domain: int) -> float:
    """Share of ``images`` that the classifier puts in ``domain`` (0 = A, 1 = B)."""
    with torch.no_grad():
        return (classifier.predict(images.float().cpu()) == domain).float().mean().item()


def outline_by_rule(images: torch.Tensor, *, width: int = 1) -> torch.Tensor:
    """A -> B without learning, for plain-background images: keep the object pixels within ``width``
    pixels of the object's edge, paint the rest of the inside with the background grey.
    (N, C, H, W) -> (N, C, H, W). Exact frame by frame, so its frame differences come from motion only."""
    ink = ((images - BACKGROUND).abs().amax(1, keepdim=True) > 0.05).float()      # (N, 1, H, W) object mask
    inner = ink
    for _ in range(width):
        inner = -F.max_pool2d(-inner, 3, stride=1, padding=1)                      # erosion by one pixel
    ring = ink - inner                                                             # 1 on the outline
    return images * ring + BACKGROUND * (1 - ring)


def flicker_figures(model: CycleGAN, clips: torch.Tensor) -> dict:
    """Frame-by-frame translation of (N, T, C, H, W) flat-domain clips: mean frame differences and their ratio."""
    translated = model.translate_video(clips, "a2b")
    ruled = outline_by_rule(clips.flatten(0, 1)).view_as(clips)
    source, cyclegan, rule = (frame_difference(v).mean().item() for v in (clips, translated, ruled))
    return {"frame_difference_source": source, "frame_difference_rule": rule,
            "frame_difference_cyclegan": cyclegan, "flicker_ratio": cyclegan / rule,
            "l1_to_rule": (translated - ruled).abs().mean().item()}


def figures() -> dict:
    """Train the notebook's CycleGAN with the active profile's sizes and measure it (see the module docstring)."""
    start = time.perf_counter()
    s = settings()
    dev = runtime.device()
    a_train, b_train = unpaired_shapes(s["n_train"], size=s["size"], seed=0)
    a_test, b_test = unpaired_shapes(s["n_test"], size=s["size"], seed=1)
    runtime.seed_everything(0)
    model = CycleGAN(CycleGANConfig(**s["model"]))
    history = train_cyclegan(model, unpaired_batches(a_train, b_train, s["batch"]), steps=s["steps"], lr=s["lr"],
                             device=dev, max_seconds=s["max_seconds"])
    fake_b, fake_a = model.translate(a_test, "a2b"), model.translate(b_test, "b2a")
    judge = train_domain_classifier(a_train, b_train, steps=s["classifier_steps"], device=dev)
    clips = moving_shapes(s["clips"], frames=s["frames"], size=s["size"], seed=2, plain_background=True).videos
    figures = {
        "profile": runtime.profile(), "steps": history.steps[-1], "train_seconds": history.seconds,
        "cycle_error_a": (model.translate(fake_b, "b2a") - a_test).abs().mean().item(),
        "cycle_error_b": (model.translate(fake_a, "a2b") - b_test).abs().mean().item(),
        "classifier_real_accuracy": 0.5 * (domain_accuracy(judge, a_test, 0) + domain_accuracy(judge, b_test, 1)),
        "untranslated_accuracy": 0.5 * (domain_accuracy(judge, a_test, 1) + domain_accuracy(judge, b_test, 0)),
        "translated_accuracy_a2b": domain_accuracy(judge, fake_b, 1),
        "translated_accuracy_b2a": domain_accuracy(judge, fake_a, 0),
        **flicker_figures(model, clips),
    }
    figures["translated_accuracy"] = 0.5 * (figures["translated_accuracy_a2b"] + figures["translated_accuracy_b2a"])
    figures["seconds"] = time.perf_counter() - start
    return figures
