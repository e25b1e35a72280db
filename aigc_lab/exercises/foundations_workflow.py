"""Checks for the exercises of notebooks/01_foundations/03_workflow.

Each check runs the learner's function on inputs made up here and compares it with what
aigc_lab.metrics and aigc_lab.deploy.compression compute, so the notebook never holds the answer.
"""
from __future__ import annotations

import torch

from .. import metrics
from ..deploy import compression
from . import exercise


@exercise("01_foundations.03.a", kind="function",
          hint="Put each prediction in one of `bins` equal-width bins by its confidence (bins are (lo, hi], the "
               "first also holds 0), then add up |accuracy - mean confidence| of each non-empty bin, weighted by "
               "the share of predictions in it.")
def _ece(answer) -> bool:
    generator = torch.Generator().manual_seed(11)
    for n, bins in [(200, 10), (57, 5), (1000, 15)]:
        confidence = torch.rand(n, generator=generator, dtype=torch.float64)
        confidence[:4] = torch.tensor([0.0, 0.2, 0.5, 1.0], dtype=torch.float64)   # values on bin edges
        correct = torch.rand(n, generator=generator, dtype=torch.float64) < confidence ** 2    # over-confident
        reference = metrics.expected_calibration_error(confidence, correct, bins)
        mine = float(answer(confidence.clone(), correct.clone(), bins))
        if abs(mine - reference) > 1e-9:
            return False
    return True


@exercise("01_foundations.03.b", kind="function",
          hint="One scale per output row: scale = max|w| of that row / 127.5; q = round(w / scale) clamped to "
               "[-128, 127]; the answer is q * scale. Use keepdim=True so the (rows, 1) scale broadcasts.")
def _quantize_dequantize(answer) -> bool:
    generator = torch.Generator().manual_seed(12)
    for shape in [(4, 6), (16, 3), (1, 10)]:
        w = torch.randn(shape, generator=generator) * torch.rand(shape[0], 1, generator=generator) * 3
        _, scale = compression.quantize_tensor_int8(w, per_channel=True)       # (rows, 1)
        mine = torch.as_tensor(answer(w.clone()), dtype=torch.float32)
        if mine.shape != w.shape:
            return False
        levels = mine / scale            # must be whole numbers in [-128, 127] on each row's own grid ...
        on_grid = (torch.allclose(levels, levels.round(), atol=1e-3)
                   and levels.min() >= -128.001 and levels.max() <= 127.001)
        nearest = ((mine - w).abs() <= scale * (0.5 + 1e-4)).all()   # ... and the grid point nearest each weight
        if not (on_grid and nearest):
            return False
    return True


@exercise("01_foundations.03.c", kind="function",
          hint="Count k = round(sparsity * w.numel()) weights to drop: the k with the smallest absolute value "
               "(torch.topk(..., largest=False) on |w| flattened). The mask is True where a weight is kept.")
def _prune_mask(answer) -> bool:
    generator = torch.Generator().manual_seed(13)
    for shape, sparsity in [((8, 8), 0.5), ((5, 7), 0.8), ((30,), 0.1), ((4, 4), 0.0)]:
        w = torch.randn(shape, generator=generator)
        mine = torch.as_tensor(answer(w.clone(), sparsity))
        if mine.shape != w.shape or not torch.equal(mine.bool(), compression.magnitude_mask(w, sparsity)):
            return False
    return True


@exercise("01_foundations.03.d", kind="function",
          hint="Soften both with the temperature (logits / T), take the KL divergence from the teacher's "
               "distribution to the student's averaged over the batch (F.kl_div wants the student's log-probabilities "
               "first), multiply it by T squared and alpha, and add (1 - alpha) times the plain cross-entropy.")
def _distillation(answer) -> bool:
    generator = torch.Generator().manual_seed(14)
    for batch, classes, temperature, alpha in [(8, 5, 4.0, 0.7), (3, 2, 2.0, 0.5), (16, 10, 1.0, 0.9)]:
        s = torch.randn(batch, classes, generator=generator) * 2
        t = torch.randn(batch, classes, generator=generator) * 2
        y = torch.randint(0, classes, (batch,), generator=generator)
        reference = compression.distillation_loss(s, t, y, temperature=temperature, alpha=alpha)
        mine = torch.as_tensor(answer(s.clone(), t.clone(), y.clone(), temperature, alpha), dtype=torch.float32)
        if mine.numel() != 1 or not torch.allclose(mine.reshape(()), reference, atol=1e-5):
            return False
    return True
