"""Worked solutions for the exercises of notebooks/06_explainability/04_comparison.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("06_explainability.04.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import math

import torch


def exercise_a():
    """A linear model's gradient is its weight vector, so gradient x input is w * x and |w * x| = |w| * |x|. With
    w ~ N(0, sigma^2), |w| is half-normal with mean sigma * sqrt(2 / pi). The expected map is |x| times a
    constant: its ranking is the input's own, whatever the weights, which is why the method survives the
    randomisation check (the map was drawing the input)."""
    def random_linear_gxi(x, sigma):
        return sigma * math.sqrt(2 / math.pi) * x.abs()

    return random_linear_gxi


def wrong_a():
    """Takes E|w| to be sigma (the standard deviation), forgetting that the mean of a half-normal is
    sigma * sqrt(2 / pi). The ranking is right, the values are not."""
    def random_linear_gxi(x, sigma):
        return sigma * x.abs()

    return random_linear_gxi


def exercise_b():
    """The top k of each map by absolute value (a strongly negative attribution is important too), as sets of flat
    indices; the overlap is the share of the first map's top k that the second map also ranks in its top k."""
    def top_k_overlap(a, b, k):
        top_a = set(a.abs().flatten().topk(k).indices.tolist())
        top_b = set(b.abs().flatten().topk(k).indices.tolist())
        return len(top_a & top_b) / k

    return top_k_overlap


def wrong_b():
    """Ranks by the signed values: a large negative attribution never makes the top k."""
    def top_k_overlap(a, b, k):
        top_a = set(a.flatten().topk(k).indices.tolist())
        top_b = set(b.flatten().topk(k).indices.tolist())
        return len(top_a & top_b) / k

    return top_k_overlap


def exercise_c():
    """All three checks must pass: the method finds the evidence (pointing game at least ``margin`` above a random
    map), it is faithful to the model (deletion below and insertion above a random order), and it does not find the
    evidence once the model's weights are thrown away (otherwise the first check was passed by the input alone)."""
    def trusted(row, margin):
        finds = row["pointing_game"] >= row["random_baseline"] + margin
        faithful = (row["deletion_auc"] < row["random_deletion_auc"]
                    and row["insertion_auc"] > row["random_insertion_auc"])
        sane = row["randomised_pointing_game"] < row["random_baseline"] + margin
        return finds and faithful and sane

    return trusted


def wrong_c():
    """Trusts a method that finds the evidence and is faithful, without the sanity check: gradient x input on images
    would pass."""
    def trusted(row, margin):
        finds = row["pointing_game"] >= row["random_baseline"] + margin
        faithful = (row["deletion_auc"] < row["random_deletion_auc"]
                    and row["insertion_auc"] > row["random_insertion_auc"])
        return finds and faithful

    return trusted


def exercise_d():
    """Independent layer randomisation: one copy per layer, only that layer re-initialised.

    The cascade randomises the layers cumulatively from the top; this test randomises each
    alone, so a layer whose randomisation leaves the map unchanged (a correlation near 1) is
    a layer the map does not depend on.  ``randomised_copy`` deep-copies, so the trained
    model is never touched.
    """
    from aigc_lab.explain import sanity, scoring

    def independent_randomisation(model, explain, x, target, layers, seed):
        trained_map = explain(model, x, target)
        return {name: scoring.rank_correlation(
                    trained_map, explain(sanity.randomised_copy(model, seed=seed, layers=[name]), x, target))
                for name in layers}

    return independent_randomisation


def wrong_d():
    """Randomises cumulatively (the cascade) instead of one layer at a time: each entry also carries every earlier
    layer's randomisation."""
    from aigc_lab.explain import sanity, scoring

    def independent_randomisation(model, explain, x, target, layers, seed):
        trained_map = explain(model, x, target)
        return {name: scoring.rank_correlation(
                    trained_map, explain(sanity.randomised_copy(model, seed=seed, layers=layers[:i + 1]), x, target))
                for i, name in enumerate(layers)}

    return independent_randomisation
