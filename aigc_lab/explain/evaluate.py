"""Score every explanation method on every check, the same way for text, images and audio.

A method is any function ``explain(x, target, seed) -> attribution`` that takes one
input without its batch dimension (word ids (T,), an image (C, H, W), a spectrogram
(F, T')), the class to explain and a seed, and returns one signed number per feature
(a map with the evidence's shape).  Methods are ranked by the size of their numbers:
``importance = attribution.abs()``.

    cases = [Case(x, target, evidence), ...]
    reports = evaluate(methods, cases, probabilities=model_probs,
                       deletion_baseline=..., insertion_baseline=..., randomised=methods_on_random_model)
    results_table(reports)

``evaluate`` runs every method on every case and fills one ``MethodReport`` with the
checks of ``explain.scoring``: pointing game and precision at k beside their random
baseline, deletion and insertion areas beside a random order, the same method on a
randomised model (the rank correlation of its maps with the trained model's, and
its own pointing game, which should fall to chance: a map that still finds the
evidence without a trained model was drawing the input), seconds per explanation
and run-to-run variance across seeds.  The benchmark ``explain`` and the chapter's
notebooks call it.
"""
from __future__ import annotations

import math
import time
import zlib
from dataclasses import dataclass, field
from typing import Callable

import torch

from . import scoring

Explainer = Callable[[torch.Tensor, int, int], torch.Tensor]     # (x, target, seed) -> attribution map


@dataclass
class Case:
    """One input to explain."""

    x: torch.Tensor           # the model's input, without the batch dimension
    target: int               # the class to explain (usually the model's prediction)
    evidence: torch.Tensor    # bool map of the true evidence, the shape of an attribution map


@dataclass
class MethodReport:
    """Every figure for one method, averaged over the cases."""

    method: str
    pointing_game: float                 # fraction of cases whose top feature is evidence
    precision_at_k: float                # mean fraction of the top k features that are evidence (k = |evidence|)
    random_baseline: float               # what a random map scores on both: mean |evidence| / n
    deletion_auc: float                  # lower is better
    random_deletion_auc: float
    insertion_auc: float                 # higher is better
    random_insertion_auc: float
    randomisation_correlation: float     # Spearman (absolute values) with the randomised model's map; low is good
    randomised_pointing_game: float      # the pointing game of the randomised model's maps: should fall to chance
    randomised_precision_at_k: float     # ... and its precision at k
    seconds: float                       # per explanation
    seed_variance: float                 # run-to-run variance across seeds (0: deterministic)
    maps: list[torch.Tensor] = field(default_factory=list, repr=False)   # the attribution of each case

    def row(self) -> dict:
        return {k: v for k, v in vars(self).items() if k != "maps"}


def explain_cases(explain: Explainer, cases: list[Case], *, seed: int = 0) -> tuple[list[torch.Tensor], float]:
    """Every case's attribution map (detached, on the CPU) and the mean seconds per explanation."""
    started = time.perf_counter()
    maps = []
    for case in cases:
        attribution = explain(case.x, case.target, seed).detach().float().cpu()
        if attribution.shape != case.evidence.shape:
            raise ValueError(f"an explainer returned a map of shape {tuple(attribution.shape)}; the evidence "
                             f"has shape {tuple(case.evidence.shape)}")
        maps.append(attribution)
    return maps, (time.perf_counter() - started) / max(1, len(cases))


def ground_truth_scores(maps: list[torch.Tensor], cases: list[Case], *, tolerance: int = 0) -> dict:
    """Pointing game and precision at k (k = |evidence|) over the cases, and their random baseline."""
    hits = [scoring.pointing_game(m.abs(), c.evidence, tolerance=tolerance) for m, c in zip(maps, cases)]
    precision = [scoring.precision_at_k(m.abs(), c.evidence) for m, c in zip(maps, cases)]
    chance = [scoring.expected_random_score(c.evidence) for c in cases]
    return {"pointing_game": sum(hits) / len(hits), "precision_at_k": sum(precision) / len(precision),
            "random_baseline": sum(chance) / len(chance)}


def faithfulness_scores(maps: list[torch.Tensor], cases: list[Case], *,
                        probabilities: Callable[[torch.Tensor], torch.Tensor],
                        deletion_baseline: Callable[[torch.Tensor], torch.Tensor],
                        insertion_baseline: Callable[[torch.Tensor], torch.Tensor],
                        steps: int | None = None, random_draws: int = 3) -> dict:
    """Mean deletion and insertion areas of the maps' order, and of a random order, over the cases."""
    sums = dict.fromkeys(("deletion_auc", "random_deletion_auc", "insertion_auc", "random_insertion_auc"), 0.0)
    for i, (m, case) in enumerate(zip(maps, cases)):
        score = lambda batch, t=case.target: probabilities(batch)[:, t]        # noqa: E731
        for name, curve_fn, baseline in (("deletion", scoring.deletion_curve, deletion_baseline(case.x)),
                                         ("insertion", scoring.insertion_curve, insertion_baseline(case.x))):
            sums[f"{name}_auc"] += scoring.auc(curve_fn(score, case.x, baseline, m.abs(), steps=steps))
            sums[f"random_{name}_auc"] += scoring.random_order_auc(curve_fn, score, case.x, baseline, m.shape,
                                                                   steps=steps, draws=random_draws, seed=i)
    return {k: v / len(cases) for k, v in sums.items()}


def evaluate_method(name: str, explain: Explainer, cases: list[Case], *,
                    probabilities: Callable[[torch.Tensor], torch.Tensor],
                    deletion_baseline: Callable[[torch.Tensor], torch.Tensor],
                    insertion_baseline: Callable[[torch.Tensor], torch.Tensor],
                    randomised: Explainer | None = None, seeds: tuple[int, ...] = (0, 1, 2),
                    variance_cases: int = 3, steps: int | None = None, tolerance: int = 0) -> MethodReport:
    """All the checks for one method (see the module docstring).

    ``randomised`` is the same method on a randomised copy of the model.
    """
    maps, seconds = explain_cases(explain, cases, seed=seeds[0])
    truth = ground_truth_scores(maps, cases, tolerance=tolerance)
    faithful = faithfulness_scores(maps, cases, probabilities=probabilities, deletion_baseline=deletion_baseline,
                                   insertion_baseline=insertion_baseline, steps=steps)
    correlation = random_truth_pointing = random_truth_precision = math.nan
    if randomised is not None:
        random_maps, _ = explain_cases(randomised, cases, seed=seeds[0])
        correlation = sum(scoring.rank_correlation(a, b) for a, b in zip(maps, random_maps)) / len(cases)
        random_truth = ground_truth_scores(random_maps, cases, tolerance=tolerance)
        random_truth_pointing, random_truth_precision = random_truth["pointing_game"], random_truth["precision_at_k"]
    variance = math.nan
    if len(seeds) > 1 and variance_cases > 0:
        subset = cases[:variance_cases]
        runs = [maps[:variance_cases]] + [explain_cases(explain, subset, seed=s)[0] for s in seeds[1:]]
        variance = sum(scoring.seed_variance(torch.stack([run[i] for run in runs]))
                       for i in range(len(subset))) / len(subset)
    return MethodReport(name, **truth, **faithful, randomisation_correlation=correlation,
                        randomised_pointing_game=random_truth_pointing,
                        randomised_precision_at_k=random_truth_precision,
                        seconds=seconds, seed_variance=variance, maps=maps)


def evaluate(methods: dict[str, Explainer], cases: list[Case], *, randomised: dict[str, Explainer] | None = None,
             **options) -> list[MethodReport]:
    """``evaluate_method`` for each method; ``randomised`` maps a method's name to it on a randomised model."""
    randomised = randomised or {}
    return [evaluate_method(name, explain, cases, randomised=randomised.get(name), **options)
            for name, explain in methods.items()]


def results_table(reports: list[MethodReport], *, digits: int = 3):
    """A pandas DataFrame, one row per method, rounded for reading."""
    import pandas as pd

    return pd.DataFrame([r.row() for r in reports]).set_index("method").round(digits)


def comparison_table(reports_by_modality: dict[str, list[MethodReport]], *, digits: int = 3):
    """One DataFrame for several modalities, indexed by (modality, method): the comparison of notebook 6.4."""
    import pandas as pd

    rows = [{"modality": modality, **r.row()} for modality, reports in reports_by_modality.items() for r in reports]
    return pd.DataFrame(rows).set_index(["modality", "method"]).round(digits)


def random_attribution(feature_dims: int) -> Explainer:
    """The control method: uniform noise over the input's last ``feature_dims`` dimensions (1 for ids, 2 for images).

    The noise depends only on the seed and the input, so a run can be repeated.
    """
    def explain(x: torch.Tensor, target: int, seed: int) -> torch.Tensor:
        fingerprint = zlib.crc32(x.detach().cpu().numpy().tobytes())
        generator = torch.Generator().manual_seed(seed * 1_000_003 + fingerprint)
        return torch.rand(x.shape[x.dim() - feature_dims:], generator=generator)

    return explain
