"""The pix2pix part of the ``video`` benchmark (notebooks/05_video/04_pix2pix).

pix2pix (``aigc_lab.video.pix2pix``) learns to turn an outline drawing into the filled image
(``aigc_lab.data.video.paired_shapes``: the colour says which shape it is). Figures on held-out
pairs (seed 1): mean L1 per pixel and the IoU of the drawn shapes, for pix2pix (L1 + adversarial),
for the L1-only generator, and for the trivial baseline that paints only the background.
``settings()`` holds the per-profile sizes that the notebook uses too.
"""
from __future__ import annotations

import time

import torch

from .. import runtime
from ..data.video import paired_shapes
from ..video.pix2pix import Pix2Pix, Pix2PixConfig, foreground_iou, train_pix2pix


def settings() -> dict:
    """Per-profile sizes shared by notebooks/05_video/04_pix2pix and this benchmark."""
    return {
        "size": 32,
        "n_train": runtime.pick(smoke=256, cpu=2000, gpu=8000),
        "n_test": runtime.pick(smoke=64, cpu=300, gpu=1000),
        "width": runtime.pick(smoke=8, cpu=16, gpu=32), "depth": 3, "disc_width": runtime.pick(smoke=8, cpu=16, gpu=32),
        "batch": runtime.pick(smoke=16, cpu=16, gpu=64),
        "steps": runtime.pick(smoke=150, cpu=500, gpu=2000),
        "lr": runtime.pick(smoke=2e-3, cpu=1e-3, gpu=2e-4),
        "lambda_l1": 100.0,
    }


def data(s: dict):
    """(train sources, train targets), (test sources, test targets): seeds 0 and 1."""
    return (paired_shapes(s["n_train"], size=s["size"], seed=0), paired_shapes(s["n_test"], size=s["size"], seed=1))


def make_model(s: dict, adversarial: bool = True) -> Pix2Pix:
    runtime.seed_everything(0)
    return Pix2Pix(Pix2PixConfig(width=s["width"], depth=s["depth"], disc_width=s["disc_width"],
                                 lambda_l1=s["lambda_l1"], adversarial=adversarial))


def pair_batches(sources: torch.Tensor, targets: torch.Tensor, batch: int, seed: int = 1):
    """A ``batch()`` function: random (source (B, 1, H, W), target (B, 3, H, W)) pairs."""
    generator = torch.Generator().manual_seed(seed)

    def next_batch():
        idx = torch.randint(0, len(sources), (batch,), generator=generator)
        return sources[idx], targets[idx]
    return next_batch


def scores(predicted: torch.Tensor, targets: torch.Tensor) -> dict:
    return {"l1": (predicted - targets).abs().mean().item(), "iou": foreground_iou(predicted, targets).mean().item()}


def figures() -> dict:
    """Held-out L1 and IoU of pix2pix, the L1-only generator and the background-only baseline, and seconds."""
    start = time.perf_counter()
    dev = runtime.device()
    s = settings()
    (train_x, train_y), (test_x, test_y) = data(s)
    out = {"profile": runtime.profile(), "train_pairs": s["n_train"], "test_pairs": s["n_test"],
           "background_only": scores(torch.full_like(test_y, 0.08), test_y)}
    for name, adversarial in (("pix2pix", True), ("l1_only", False)):
        model = make_model(s, adversarial)
        if dev.type == "cpu":
            runtime.set_threads(params=runtime.count_params(model))
        history = train_pix2pix(model, pair_batches(train_x, train_y, s["batch"]), steps=s["steps"], lr=s["lr"],
                                device=dev)
        out[name] = {**scores(model.translate(test_x), test_y), "train_seconds": history.seconds}
    out["seconds"] = time.perf_counter() - start
    return out
