"""Worked solutions for the exercises of notebooks/06_explainability/01_text.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("06_explainability.01.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import torch


def exercise_a():
    """Precision at k: take the positions of the k largest importances and average the evidence there.

    ``torch.topk`` returns the k largest values and their positions; indexing the boolean
    evidence mask with those positions and taking the mean of the result as floats gives
    the fraction of the top k that is true evidence.  A random ranking scores |evidence| / n.
    """
    def precision_at_k(importance, evidence, k):
        top = torch.topk(importance, k).indices
        return evidence[top].float().mean().item()

    return precision_at_k


def wrong_a():
    """Divides by the number of evidence words instead of k: that is recall at k, not precision."""
    def precision_at_k(importance, evidence, k):
        top = torch.topk(importance, k).indices
        return (evidence[top].sum() / evidence.sum()).item()

    return precision_at_k


def exercise_b():
    """Leave-one-out: one batch holds T copies of the sentence, copy i with word i replaced by padding.

    The attribution of word i is how much the probability of the target class drops when
    it is removed: p(full sentence) - p(sentence without word i).  One forward pass of
    T + 1 sentences does every word at once.
    """
    def leave_one_out(probabilities, ids, target):
        n = len(ids)
        batch = ids.repeat(n, 1)                  # (T, T): row i will lose word i
        batch[torch.arange(n), torch.arange(n)] = 0
        full = probabilities(ids[None])[0, target]
        return full - probabilities(batch)[:, target]

    return leave_one_out


def wrong_b():
    """Returns the probability *after* removal instead of the drop, so the most important word scores lowest."""
    def leave_one_out(probabilities, ids, target):
        n = len(ids)
        batch = ids.repeat(n, 1)
        batch[torch.arange(n), torch.arange(n)] = 0
        return probabilities(batch)[:, target]

    return leave_one_out


def exercise_c():
    """Spearman's rank correlation: the Pearson correlation of the ranks.

    ``argsort().argsort()`` turns values into ranks 0..n-1 when there are no ties.  Centre
    both rank vectors and divide their dot product by the product of their lengths.
    Ranks make the measure blind to the scale of the maps, which differs from method to
    method and from model to model, and to any monotone change of the values: it asks
    only whether the two maps order the features alike.
    """
    def spearman(a, b):
        ra = a.argsort().argsort().double()
        rb = b.argsort().argsort().double()
        ra, rb = ra - ra.mean(), rb - rb.mean()
        return float(ra @ rb / (ra.norm() * rb.norm()))

    return spearman


def wrong_c():
    """Uses the values (Pearson's correlation) instead of their ranks."""
    def spearman(a, b):
        a, b = a.double() - a.double().mean(), b.double() - b.double().mean()
        return float(a @ b / (a.norm() * b.norm()))

    return spearman


def exercise_d():
    """Exact Shapley values: one batch of all 2^M coalitions, then the weighted marginal contributions.

    A coalition is a row of M booleans; row index r with bit j set keeps feature j.  For each
    feature j and each coalition S without j, the coalition S with j is the row r + 2^j, and the
    Shapley weight |S|! (M - |S| - 1)! / M! is the share of the M! orders of adding features in
    which exactly the features of S come before j.  The values add up to v(all) - v(none)
    (efficiency), which KernelSHAP imposes as a constraint.
    """
    import math

    def shapley_values(value, M):
        rows = torch.arange(2 ** M)
        kept = (rows[:, None] >> torch.arange(M)) & 1 == 1                  # (2^M, M) every coalition
        v = torch.as_tensor(value(kept), dtype=torch.float64)               # (2^M,)
        size = kept.sum(1)
        phi = torch.zeros(M, dtype=torch.float64)
        for j in range(M):
            without = ~kept[:, j]                                           # coalitions S that leave j out
            s = size[without]
            weight = torch.tensor([math.factorial(k) * math.factorial(M - k - 1) / math.factorial(M)
                                   for k in s.tolist()], dtype=torch.float64)
            phi[j] = (weight * (v[rows[without] + 2 ** j] - v[without])).sum()
        return phi

    return shapley_values


def wrong_d():
    """Averages v(S with j) - v(S) over the coalitions with equal weight (the Banzhaf value), not Shapley's weights."""
    def shapley_values(value, M):
        rows = torch.arange(2 ** M)
        kept = (rows[:, None] >> torch.arange(M)) & 1 == 1
        v = torch.as_tensor(value(kept), dtype=torch.float64)
        phi = torch.zeros(M, dtype=torch.float64)
        for j in range(M):
            without = ~kept[:, j]
            phi[j] = (v[rows[without] + 2 ** j] - v[without]).mean()
        return phi

    return shapley_values
