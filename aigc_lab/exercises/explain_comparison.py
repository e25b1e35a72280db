"""Checks for the exercises of notebooks/06_explainability/04_comparison.

a: the expected |gradient x input| map of a randomly initialised linear model (why methods that multiply by the
   input survive the randomisation check); b: the overlap of two maps' top k features (the part of a map the
   pointing game reads, where the rank correlation over every feature misses the failure); c: a verdict that
   reads one row of the comparison table the way the notebook does; d: the independent layer randomisation test,
   run on a small untrained CNN against ``sanity.randomised_copy`` and ``scoring.rank_correlation``.
"""
from __future__ import annotations

import math

import torch

from ..explain.scoring import top_k
from . import exercise


@exercise("06_explainability.04.a", kind="function",
          hint="For a linear model f(x) = w . x the gradient is w, so gradient x input is w * x. With w_i drawn from "
               "N(0, sigma^2), E|w_i| = sigma * sqrt(2 / pi); the expectation of |w_i * x_i| is that times |x_i|.")
def _random_linear_gxi(answer) -> bool:
    generator = torch.Generator().manual_seed(0)
    for sigma in (1.0, 0.1, 2.5):
        x = torch.randn(5, 7, generator=generator) * 3
        expected = sigma * math.sqrt(2 / math.pi) * x.abs()
        mine = torch.as_tensor(answer(x.clone(), sigma)).float()
        if mine.shape != expected.shape or not torch.allclose(mine, expected, rtol=1e-4, atol=1e-6):
            return False
    return True


def _reference_overlap(a: torch.Tensor, b: torch.Tensor, k: int) -> float:
    top_a, top_b = set(top_k(a.abs(), k).tolist()), set(top_k(b.abs(), k).tolist())
    return len(top_a & top_b) / k


@exercise("06_explainability.04.b", kind="function",
          hint="Rank by the absolute values (a large negative attribution matters too): the flat indices of the k "
               "largest are a.abs().flatten().topk(k).indices; count the indices the two sets share and divide by k.")
def _top_k_overlap(answer) -> bool:
    generator = torch.Generator().manual_seed(1)
    for trial in range(20):
        shape = (12,) if trial % 2 else (6, 5)
        a = torch.randn(shape, generator=generator)
        b = torch.where(torch.rand(shape, generator=generator) < 0.5, -a, torch.randn(shape, generator=generator))
        k = int(torch.randint(1, 8, (1,), generator=generator))
        mine = answer(a.clone(), b.clone(), k)
        if mine is None or abs(float(mine) - _reference_overlap(a, b, k)) > 1e-9:
            return False
    return True


def _reference_trusted(row: dict, margin: float) -> bool:
    finds = row["pointing_game"] >= row["random_baseline"] + margin
    faithful = row["deletion_auc"] < row["random_deletion_auc"] and row["insertion_auc"] > row["random_insertion_auc"]
    sane = row["randomised_pointing_game"] < row["random_baseline"] + margin
    return bool(finds and faithful and sane)


@exercise("06_explainability.04.c", kind="function",
          hint="Three conditions, all needed: the pointing game beats the random baseline by the margin; deletion "
               "AUC below and insertion AUC above a random order's; and on the randomised model the pointing game "
               "does NOT beat the random baseline by the margin.")
def _trusted(answer) -> bool:
    generator = torch.Generator().manual_seed(2)
    for trial in range(200):
        u = torch.rand(8, generator=generator).tolist()
        row = {"pointing_game": u[0], "random_baseline": 0.3 * u[1], "deletion_auc": u[2], "random_deletion_auc": u[3],
               "insertion_auc": u[4], "random_insertion_auc": u[5], "randomised_pointing_game": u[6]}
        margin = 0.3 if trial % 2 else 0.2
        mine = answer(dict(row), margin)
        if mine is None or bool(mine) != _reference_trusted(row, margin):
            return False
    return True


@exercise("06_explainability.04.d", kind="function",
          hint="Explain x once with the model itself; then for each layer name make "
               "sanity.randomised_copy(model, seed=seed, layers=[name]) (one layer only, the others trained), explain x "
               "with that copy and store scoring.rank_correlation(trained_map, copy_map) under the name. The "
               "cascade cell of the notebook randomises the layers cumulatively instead.")
def _independent_randomisation(answer) -> bool:
    from ..explain import scoring, sanity
    from ..image.cnn import CNNConfig, SmallCNN

    def saliency(model, x, target):
        x = x.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(model(x[None])[0, target], x)
        return grad.abs().amax(dim=0)                                        # (H, W)

    torch.manual_seed(0)
    model = SmallCNN(CNNConfig(in_channels=3, size=16, classes=3)).eval()
    layers = [n for n, m in model.named_modules() if hasattr(m, "reset_parameters")]
    generator = torch.Generator().manual_seed(5)
    for seed, target in ((1, 0), (7, 2)):
        x = torch.rand(3, 16, 16, generator=generator)
        before = [p.detach().clone() for p in model.parameters()]
        mine = answer(model, saliency, x.clone(), target, list(layers), seed)
        if any(not torch.equal(a, b) for a, b in zip(before, model.parameters())):
            return False                                                     # the trained model must stay as it was
        trained_map = saliency(model, x, target)
        expected = {name: scoring.rank_correlation(
            trained_map, saliency(sanity.randomised_copy(model, seed=seed, layers=[name]), x, target))
            for name in layers}
        if not isinstance(mine, dict) or set(mine) != set(expected):
            return False
        if any(abs(float(mine[name]) - expected[name]) > 1e-6 for name in expected):
            return False
    return True
