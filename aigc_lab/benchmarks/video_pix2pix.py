"""The pix2pix part of the ``video`` benchmark (notebooks/05_video/04_pix2pix).

pix2pix (``aigc_lab.video.pix2pix``) learns to turn an outline drawing into the filled image
(``aigc_lab.data.video.paired_shapes``: the colour says which shape it is). Figures on held-out
pairs (seed 1): mean L1 per pixel and the IoU of the drawn shapes, for pix2pix (L1 + adversarial),
for the L1-only generator, and for the trivial baseline that paints only the background.
Sizes, data and training: the notebook's recipe, ``aigc_lab.video.pix2pix_recipe``.
"""
from __future__ import annotations

import time

import torch

from .. import runtime
from ..video.pix2pix_recipe import data, make_model, scores, settings, train_translator


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
        history = train_translator(model, train_x, train_y, s, device=dev)
        out[name] = {**scores(model.translate(test_x), test_y), "train_seconds": history.seconds}
    out["seconds"] = time.perf_counter() - start
    return out
