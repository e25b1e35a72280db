"""Checks for the exercises of notebooks/06_explainability/01_text.

Each check compares the learner's function with the package's own
(``explain.scoring.precision_at_k``, ``explain.attributions.feature_ablation``,
``explain.scoring.spearman``) on inputs made up here, so the notebook never holds the answer.
Exercise d (exact Shapley values by enumerating coalitions) is compared with Shapley values
computed another way here: the average marginal contribution over every order of the features.
"""
from __future__ import annotations

import torch

from ..explain import attributions, scoring
from ..text.text_cnn import TextCNN, TextCNNConfig
from . import exercise


@exercise("06_explainability.01.a", kind="function",
          hint="Sort the importance in descending order (torch.topk or argsort), keep the first k positions, "
               "and average evidence at those positions as floats.")
def _precision_at_k(answer) -> bool:
    generator = torch.Generator().manual_seed(0)
    for n, k in ((10, 2), (7, 3), (20, 5), (5, 5), (12, 1)):
        importance = torch.randperm(n, generator=generator).float()          # distinct values: no ties
        evidence = torch.rand(n, generator=generator) < 0.4
        evidence[int(torch.randint(n, (1,), generator=generator))] = True
        mine = float(answer(importance.clone(), evidence.clone(), k))
        if abs(mine - scoring.precision_at_k(importance, evidence, k)) > 1e-6:
            return False
    return True


def _toy_text_model() -> TextCNN:
    torch.manual_seed(0)
    return TextCNN(TextCNNConfig(vocab_size=40, classes=3, kernel_sizes=(1, 2))).eval()


@exercise("06_explainability.01.b", kind="function",
          hint="Repeat the ids T times (ids.repeat(T, 1)), set row i, column i to 0, and subtract "
               "probabilities(batch)[:, target] from the probability of the untouched sentence.")
def _leave_one_out(answer) -> bool:
    model = _toy_text_model()
    probabilities = lambda ids: model.predict_proba(ids)                     # noqa: E731
    generator = torch.Generator().manual_seed(1)
    for length, target in ((6, 0), (9, 2), (3, 1)):
        ids = torch.randint(2, 40, (length,), generator=generator)
        expected = attributions.feature_ablation(probabilities, ids[None], target, torch.arange(length),
                                                 torch.zeros_like(ids))[0]
        mine = torch.as_tensor(answer(probabilities, ids.clone(), target), dtype=torch.float32).reshape(-1)
        if mine.shape != expected.shape or not torch.allclose(mine, expected, atol=1e-5):
            return False
    return True


@exercise("06_explainability.01.c", kind="function",
          hint="Rank both tensors (argsort of argsort, as floats), subtract each rank vector's mean, and divide "
               "their dot product by the product of their lengths.")
def _spearman(answer) -> bool:
    generator = torch.Generator().manual_seed(2)
    for n in (5, 12, 40):
        a = torch.randn(n, generator=generator)
        for b in (a * 3 + 1, -a, torch.randn(n, generator=generator), a + 0.5 * torch.randn(n, generator=generator)):
            if abs(float(answer(a.clone(), b.clone())) - scoring.spearman(a, b)) > 1e-5:
                return False
    return True


def _shapley_by_permutations(value, m: int) -> torch.Tensor:
    """Shapley values as the average marginal contribution over all m! orders of adding the features."""
    import itertools

    orders = list(itertools.permutations(range(m)))
    kept = torch.zeros(len(orders), m + 1, m, dtype=torch.bool)           # (m!, m + 1 prefixes, m)
    for row, order in enumerate(orders):
        for step, feature in enumerate(order):
            kept[row, step + 1:, feature] = True
    values = value(kept.reshape(-1, m)).reshape(len(orders), m + 1).double()
    phi = torch.zeros(m, dtype=torch.float64)
    for row, order in enumerate(orders):
        for step, feature in enumerate(order):
            phi[feature] += values[row, step + 1] - values[row, step]
    return phi / len(orders)


@exercise("06_explainability.01.d", kind="function",
          hint="Build every coalition (itertools.product([0, 1], repeat=M), as a bool tensor), call value once, and "
               "for each feature j and each coalition S without j add |S|! (M - |S| - 1)! / M! times "
               "v(S with j) - v(S). The KernelSHAP section of the notebook computes the same numbers another way.")
def _shapley_values(answer) -> bool:
    model = _toy_text_model()
    generator = torch.Generator().manual_seed(3)
    for length, target in ((4, 0), (5, 2), (6, 1)):
        ids = torch.randint(2, 40, (length,), generator=generator)

        def value(kept, ids=ids, target=target):
            kept = torch.as_tensor(kept, dtype=torch.bool)
            return model.predict_proba(torch.where(kept, ids, torch.zeros_like(ids)))[:, target]

        expected = _shapley_by_permutations(value, length)
        mine = torch.as_tensor(answer(value, length), dtype=torch.float64).reshape(-1)
        if mine.shape != expected.shape or not torch.allclose(mine, expected, atol=1e-5):
            return False
    return True
