"""Scoring explanations: against known evidence, by perturbing the input, and against a randomised model.

An explanation here is an *importance map*: one non-negative number per feature (a
token, a pixel, a time frame) saying how much that feature mattered; bigger means
more important.  Attribution methods give signed numbers; take ``.abs()`` first.
Every function below works on plain tensors and is tested on hand-worked cases in
``tests/test_explain_scoring.py``.

Three kinds of check, each answering a different question:

1. **Ground truth** -- does the map point at the evidence the data generator planted?
   ``pointing_game`` (is the single most important feature on the evidence? Zhang et
   al. 2016) and ``precision_at_k`` (what fraction of the k most important features
   are evidence?), each beside ``random_baseline``, what a random map scores.
2. **Faithfulness** -- does the map rank features the way the *model* uses them?
   ``deletion_curve`` removes the most important features first and watches the
   class probability fall; ``insertion_curve`` adds them to an empty input and
   watches it rise (Petsiuk, Das and Saenko 2018, "RISE").  ``auc`` sums each curve:
   low for deletion and high for insertion is good, compared with a random order.
3. **Sanity** -- does the map depend on what the model learned?  ``rank_correlation``
   (Spearman) between the map of the trained model and of a randomised copy
   (Adebayo et al. 2018) must be low.  ``seed_variance`` measures how much a
   sampling method's map changes between runs.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F


# --------------------------------------------------------------------------- ranking helpers
def top_k(importance: torch.Tensor, k: int) -> torch.Tensor:
    """Flat indices of the ``k`` largest entries of ``importance`` (ties: the earlier index first)."""
    flat = importance.reshape(-1)
    if not 0 <= k <= flat.numel():
        raise ValueError(f"k must be between 0 and {flat.numel()}, got {k}")
    # a stable sort keeps equal entries in their original order, so results never depend on torch's tie breaking
    return torch.sort(flat, descending=True, stable=True).indices[:k]


def _check_shapes(importance: torch.Tensor, evidence: torch.Tensor) -> torch.Tensor:
    if importance.shape != evidence.shape:
        raise ValueError(f"importance {tuple(importance.shape)} and evidence {tuple(evidence.shape)} "
                         "must have the same shape")
    evidence = evidence.bool()
    if not evidence.any():
        raise ValueError("the evidence mask is empty: there is nothing to point at")
    return evidence


def dilate(mask: torch.Tensor, pixels: int) -> torch.Tensor:
    """Grow a 2-D boolean mask by ``pixels`` in every direction (a square neighbourhood)."""
    if pixels == 0:
        return mask.bool()
    grown = F.max_pool2d(mask.float()[None, None], kernel_size=2 * pixels + 1, stride=1, padding=pixels)
    return grown[0, 0].bool()


# --------------------------------------------------------------------------- 1. ground truth
def pointing_game(importance: torch.Tensor, evidence: torch.Tensor, *, tolerance: int = 0) -> bool:
    """Is the single most important feature on the evidence?  (Zhang et al. 2016)

    ``tolerance`` (2-D maps only) counts a hit within that many pixels of the evidence,
    as the original paper allows 15 pixels on 224-pixel images.
    """
    evidence = _check_shapes(importance, evidence)
    if tolerance:
        evidence = dilate(evidence, tolerance)
    return bool(evidence.reshape(-1)[top_k(importance, 1)].item())


def precision_at_k(importance: torch.Tensor, evidence: torch.Tensor, k: int | None = None) -> float:
    """Fraction of the ``k`` most important features that are evidence.

    ``k=None`` uses k = the number of evidence features, so a perfect map scores 1
    (and precision equals recall).
    """
    evidence = _check_shapes(importance, evidence)
    k = int(evidence.sum()) if k is None else k
    return float(evidence.reshape(-1)[top_k(importance, k)].float().mean())


def random_baseline(evidence: torch.Tensor, metric: Callable[[torch.Tensor, torch.Tensor], float], *,
                    draws: int = 100, seed: int = 0) -> float:
    """What ``metric(importance, evidence)`` scores on average when the importance map is random noise.

    For the pointing game and for precision at k this is the evidence's share of the
    features, |evidence| / n (``expected_random_score``), which the draws estimate.
    """
    generator = torch.Generator().manual_seed(seed)
    scores = [float(metric(torch.rand(evidence.shape, generator=generator), evidence)) for _ in range(draws)]
    return sum(scores) / draws


def expected_random_score(evidence: torch.Tensor) -> float:
    """The exact random baseline of the pointing game and of precision at k: |evidence| / n."""
    return float(evidence.bool().float().mean())


# --------------------------------------------------------------------------- 2. faithfulness
def _perturbation_curve(score: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, baseline: torch.Tensor,
                        importance: torch.Tensor, steps: int | None, insert: bool) -> torch.Tensor:
    """Shared by deletion and insertion: ``steps + 1`` inputs, scored in one batch."""
    if baseline.shape != x.shape:
        raise ValueError(f"baseline {tuple(baseline.shape)} must have the input's shape {tuple(x.shape)}")
    if x.shape[x.dim() - importance.dim():] != importance.shape:
        raise ValueError(f"importance {tuple(importance.shape)} must match the last dimensions of x {tuple(x.shape)}")
    n = importance.numel()
    steps = n if steps is None else steps
    order = top_k(importance, n)                                  # most important first
    counts = [round(i * n / steps) for i in range(steps + 1)]     # features changed at each step: 0 .. n
    rank = torch.empty(n, dtype=torch.long)
    rank[order] = torch.arange(n)                                 # rank[f] = position of feature f in the order
    changed = rank[None, :] < torch.tensor(counts)[:, None]       # (steps + 1, n): feature f changed at step i?
    # (steps + 1, 1, ..., *importance.shape): broadcasts over x's leading dimensions (an image's channels)
    changed = changed.reshape(steps + 1, *([1] * (x.dim() - importance.dim())), *importance.shape)
    start, end = (baseline, x) if insert else (x, baseline)
    inputs = torch.where(changed, end, start)                     # (steps + 1, *x.shape)
    with torch.no_grad():
        return score(inputs).reshape(-1).float()


def deletion_curve(score: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, baseline: torch.Tensor,
                   importance: torch.Tensor, *, steps: int | None = None) -> torch.Tensor:
    """The model's score as the most important features are replaced by ``baseline``, most important first.

    ``score`` maps a batch of inputs (B, *x.shape) to (B,) numbers, usually the
    probability of the explained class.  ``importance`` has the shape of x's last
    dimensions (tokens (T,) for ids (T,); pixels (H, W) for an image (C, H, W), every
    channel of a pixel going together).  Returns ``steps + 1`` scores, from nothing
    removed to everything removed (``steps=None``: one feature per step).  A faithful
    ranking makes the curve fall fast: a small area under it.
    """
    return _perturbation_curve(score, x, baseline, importance, steps, insert=False)


def insertion_curve(score: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, baseline: torch.Tensor,
                    importance: torch.Tensor, *, steps: int | None = None) -> torch.Tensor:
    """The model's score as features of ``x`` are put back into ``baseline``, most important first.

    The mirror image of ``deletion_curve``: a faithful ranking makes it rise fast (a large area).
    """
    return _perturbation_curve(score, x, baseline, importance, steps, insert=True)


def auc(curve: torch.Tensor) -> float:
    """Area under a curve sampled at evenly spaced points of [0, 1] (the trapezoidal rule)."""
    curve = torch.as_tensor(curve, dtype=torch.float64).reshape(-1)
    if curve.numel() < 2:
        raise ValueError("a curve needs at least two points")
    return float(((curve[1:] + curve[:-1]) / 2).mean())


def random_order_auc(curve_fn: Callable, score: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor,
                     baseline: torch.Tensor, shape: torch.Size | tuple[int, ...], *, steps: int | None = None,
                     draws: int = 5, seed: int = 0) -> float:
    """The baseline for deletion or insertion: the mean area when features are taken in a random order."""
    generator = torch.Generator().manual_seed(seed)
    areas = [auc(curve_fn(score, x, baseline, torch.rand(shape, generator=generator), steps=steps))
             for _ in range(draws)]
    return sum(areas) / draws


def blur(images: torch.Tensor, sigma: float = 3.0) -> torch.Tensor:
    """Gaussian blur of (..., H, W) images, edges padded by reflection: the start of an image insertion curve.

    A blurred copy keeps the colours but destroys the shapes, so inserting pixels
    into it tests the shapes alone (Petsiuk et al. start insertion from a blur).
    """
    radius = max(1, math.ceil(3 * sigma))
    t = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-t ** 2 / (2 * sigma ** 2))
    kernel = kernel / kernel.sum()
    h, w = images.shape[-2:]
    flat = images.reshape(-1, 1, h, w).float()
    flat = F.pad(flat, (radius, radius, 0, 0), mode="reflect" if radius < w else "replicate")
    flat = F.conv2d(flat, kernel.view(1, 1, 1, -1))                  # along x
    flat = F.pad(flat, (0, 0, radius, radius), mode="reflect" if radius < h else "replicate")
    flat = F.conv2d(flat, kernel.view(1, 1, -1, 1))                  # along y
    return flat.reshape(images.shape)


# --------------------------------------------------------------------------- 3. sanity and stability
def ranks(values: torch.Tensor) -> torch.Tensor:
    """Ranks 1..n of the flattened tensor, ties given their average rank (as Spearman's coefficient needs)."""
    # group equal values: distinct values in increasing order, which group each entry is in, and group sizes
    _, group, count = torch.unique(values.reshape(-1).double(), sorted=True, return_inverse=True, return_counts=True)
    last = torch.cumsum(count, 0).double()         # the rank of the last member of each group
    first = last - count + 1                       # ... and of its first member
    return ((first + last) / 2)[group]             # every member gets the mean of its group's ranks


def spearman(a: torch.Tensor, b: torch.Tensor) -> float:
    """Spearman's rank correlation: the Pearson correlation of the ranks (scipy.stats.spearmanr's value).

    Returns 0 when either map is constant (it ranks nothing).
    """
    if a.numel() != b.numel():
        raise ValueError(f"maps of different sizes: {a.numel()} and {b.numel()}")
    ra, rb = ranks(a), ranks(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    denominator = ra.norm() * rb.norm()
    return 0.0 if denominator == 0 else float(ra @ rb / denominator)


def rank_correlation(before: torch.Tensor, after: torch.Tensor, *, absolute: bool = True) -> float:
    """Spearman correlation of two attribution maps, by default of their absolute values (Adebayo et al. 2018).

    Used on the maps of a trained model and of its randomised copy: near 1 means the
    explanation did not notice that everything the model learned was thrown away.
    """
    if absolute:
        before, after = before.abs(), after.abs()
    return spearman(before, after)


def seed_variance(maps: torch.Tensor) -> float:
    """Run-to-run variance of one explanation: ``maps`` (runs, *feature shape) from different seeds.

    Each map is first scaled so that its absolute values average 1 (methods differ in
    scale), keeping its signs; the result is the variance across runs, averaged over
    features: 0 for a deterministic method, growing as runs disagree.  A feature whose
    sign flips between runs (for, then against the class) counts as disagreement: two
    maps equal up to sign give 2 mean(x^2) >= 2.
    """
    if maps.shape[0] < 2:
        raise ValueError("need at least two runs to measure their variance")
    flat = maps.reshape(maps.shape[0], -1).double()                    # (runs, features), signed
    scale = flat.abs().mean(dim=1, keepdim=True)
    flat = flat / torch.where(scale == 0, torch.ones_like(scale), scale)
    return float(flat.var(dim=0, unbiased=True).mean())
