"""aigc_lab.explain.scoring on hand-worked cases, and the ground truth it scores against (aigc_lab.data.explain)."""
from __future__ import annotations

import math

import pytest
import torch
from scipy.stats import spearmanr

from aigc_lab.data.explain import (EASY, HARD, distractor_mask, evidence_mask, evidence_sentences, shape_evidence,
                                   with_shortcut)
from aigc_lab.explain import evaluate, scoring


# --------------------------------------------------------------------------- ground truth
def test_top_k_breaks_ties_by_position():
    assert scoring.top_k(torch.tensor([1.0, 3.0, 3.0, 2.0]), 2).tolist() == [1, 2]
    assert scoring.top_k(torch.tensor([[0.0, 5.0], [5.0, 1.0]]), 3).tolist() == [1, 2, 3]   # flat indices of a 2-D map
    with pytest.raises(ValueError):
        scoring.top_k(torch.ones(3), 4)


def test_pointing_game_by_hand():
    importance = torch.tensor([0.1, 0.9, 0.3])
    assert scoring.pointing_game(importance, torch.tensor([False, True, False]))
    assert not scoring.pointing_game(importance, torch.tensor([True, False, True]))
    with pytest.raises(ValueError, match="empty"):
        scoring.pointing_game(importance, torch.zeros(3, dtype=torch.bool))
    with pytest.raises(ValueError, match="shape"):
        scoring.pointing_game(importance, torch.ones(4, dtype=torch.bool))


def test_pointing_game_tolerance_counts_near_misses_on_images():
    importance = torch.zeros(5, 5)
    importance[2, 2] = 1.0                       # the peak sits one pixel left of the evidence
    evidence = torch.zeros(5, 5, dtype=torch.bool)
    evidence[2, 3] = True
    assert not scoring.pointing_game(importance, evidence)
    assert scoring.pointing_game(importance, evidence, tolerance=1)


def test_dilate_grows_a_pixel_into_a_square():
    mask = torch.zeros(5, 5, dtype=torch.bool)
    mask[0, 0] = True
    grown = scoring.dilate(mask, 1)
    assert grown.sum() == 4 and grown[:2, :2].all()           # clipped at the corner: a 2x2 block


def test_precision_at_k_by_hand():
    importance = torch.tensor([0.5, 0.4, 0.3, 0.2, 0.1])
    evidence = torch.tensor([True, False, True, False, False])
    assert scoring.precision_at_k(importance, evidence) == pytest.approx(1 / 2)      # k = |evidence| = 2: {0, 1}
    assert scoring.precision_at_k(importance, evidence, k=3) == pytest.approx(2 / 3)  # {0, 1, 2}
    assert scoring.precision_at_k(-importance, evidence, k=2) == pytest.approx(0.0)   # {4, 3}


def test_random_baseline_is_the_evidence_share():
    evidence = torch.tensor([True, False, True, False, False])
    assert scoring.expected_random_score(evidence) == pytest.approx(0.4)
    for metric in (scoring.pointing_game, scoring.precision_at_k):
        assert scoring.random_baseline(evidence, metric, draws=2000) == pytest.approx(0.4, abs=0.03)


# --------------------------------------------------------------------------- faithfulness
def _sum_score(batch: torch.Tensor) -> torch.Tensor:
    """A model whose score is the sum of its input's features."""
    return batch.reshape(len(batch), -1).sum(1)


def test_deletion_and_insertion_curves_by_hand():
    x, baseline = torch.tensor([3.0, 2.0, 1.0]), torch.zeros(3)
    importance = torch.tensor([1.0, 3.0, 2.0])                # order: feature 1, then 2, then 0
    deletion = scoring.deletion_curve(_sum_score, x, baseline, importance)
    insertion = scoring.insertion_curve(_sum_score, x, baseline, importance)
    assert deletion.tolist() == [6.0, 4.0, 3.0, 0.0]
    assert insertion.tolist() == [0.0, 2.0, 3.0, 6.0]
    assert scoring.auc(deletion) == pytest.approx(((6 + 4) / 2 + (4 + 3) / 2 + (3 + 0) / 2) / 3)   # 10/3
    assert scoring.auc(insertion) == pytest.approx(((0 + 2) / 2 + (2 + 3) / 2 + (3 + 6) / 2) / 3)  # 8/3


def test_curves_move_every_channel_of_a_pixel_together_and_take_fewer_steps():
    x = torch.arange(1.0, 9.0).reshape(2, 2, 2)                # (C=2, H=2, W=2)
    importance = torch.tensor([[4.0, 3.0], [2.0, 1.0]])        # pixels in reading order
    curve = scoring.deletion_curve(_sum_score, x, torch.zeros_like(x), importance, steps=2)
    # step 1 removes pixels (0,0) and (0,1) in both channels: 1 + 2 + 5 + 6 = 14 of 36
    assert curve.tolist() == [36.0, 22.0, 0.0]
    with pytest.raises(ValueError):
        scoring.deletion_curve(_sum_score, x, torch.zeros_like(x), torch.ones(3, 3))


def test_auc_of_simple_curves():
    assert scoring.auc(torch.tensor([1.0, 1.0])) == pytest.approx(1.0)
    assert scoring.auc(torch.tensor([0.0, 0.5, 1.0])) == pytest.approx(0.5)


def test_random_order_lies_between_the_best_and_worst_orders():
    x, baseline = torch.tensor([4.0, 3.0, 2.0, 1.0]), torch.zeros(4)
    best = scoring.auc(scoring.deletion_curve(_sum_score, x, baseline, x))
    worst = scoring.auc(scoring.deletion_curve(_sum_score, x, baseline, -x))
    middle = scoring.random_order_auc(scoring.deletion_curve, _sum_score, x, baseline, x.shape, draws=200)
    assert best < middle < worst
    # on average each step removes 2.5 of the 10: the curve 10, 7.5, 5, 2.5, 0 has area 5
    assert middle == pytest.approx(5.0, abs=0.3)


def test_blur_keeps_a_flat_image_and_spreads_a_dot():
    flat = torch.full((3, 8, 8), 0.25)
    assert torch.allclose(scoring.blur(flat, 1.5), flat, atol=1e-6)
    dot = torch.zeros(1, 9, 9)
    dot[0, 4, 4] = 1.0
    blurred = scoring.blur(dot, 1.0)
    assert blurred.sum() == pytest.approx(1.0, abs=1e-4) and blurred[0, 4, 4] < 0.2 and blurred[0, 4, 5] > 0


# --------------------------------------------------------------------------- sanity and stability
def test_ranks_average_ties():
    assert scoring.ranks(torch.tensor([10.0, 20.0, 20.0, 5.0])).tolist() == [2.0, 3.5, 3.5, 1.0]


def test_spearman_by_hand_and_against_scipy():
    a = torch.tensor([1.0, 2.0, 3.0, 4.0])
    assert scoring.spearman(a, 10 * a) == pytest.approx(1.0)
    assert scoring.spearman(a, -a) == pytest.approx(-1.0)
    # ties: ranks (1, 2.5, 2.5, 4) against (1, 2, 3, 4): 4.5 / sqrt(4.5 * 5) = 3 / sqrt(10)
    tied = torch.tensor([1.0, 2.0, 2.0, 3.0])
    assert scoring.spearman(tied, a) == pytest.approx(3 / math.sqrt(10))
    generator = torch.Generator().manual_seed(0)
    x, y = torch.randint(0, 5, (40,), generator=generator).float(), torch.rand(40, generator=generator)
    assert scoring.spearman(x, y) == pytest.approx(spearmanr(x.numpy(), y.numpy()).statistic, abs=1e-9)
    assert scoring.spearman(torch.ones(4), a) == 0.0


def test_rank_correlation_compares_absolute_values_by_default():
    before, after = torch.tensor([1.0, -2.0, 3.0]), torch.tensor([1.0, 2.0, 3.0])
    assert scoring.rank_correlation(before, after) == pytest.approx(1.0)
    assert scoring.rank_correlation(before, after, absolute=False) == pytest.approx(0.5)


def test_seed_variance_by_hand():
    assert scoring.seed_variance(torch.tensor([[1.0, 2.0], [2.0, 4.0]])) == 0.0       # same map, other scale
    # scaled to mean |value| 1: (2, 0) and (0, 2); variance across the two runs is 2 for both features
    assert scoring.seed_variance(torch.tensor([[1.0, 0.0], [0.0, 1.0]])) == pytest.approx(2.0)
    with pytest.raises(ValueError):
        scoring.seed_variance(torch.ones(1, 3))


def test_seed_variance_sees_a_sign_flip():
    """Two runs that agree on magnitudes but flip every sign disagree completely: after scaling to a mean absolute
    value of 1 they are x and -x, whose variance per feature is (2x)^2 / 2, so the mean is 2 mean(x^2) >= 2."""
    g = torch.Generator().manual_seed(0)
    m = torch.randn(3, 5, generator=g)
    assert scoring.seed_variance(torch.stack([m, -m])) >= 2.0
    assert scoring.seed_variance(torch.tensor([[1.0, -2.0], [-1.0, 2.0]])) == pytest.approx(20 / 9)   # 2 mean(x^2), x = (2/3, -4/3)
    assert scoring.seed_variance(torch.stack([m, 3 * m])) == pytest.approx(0.0, abs=1e-12)  # same signs, other scale


# --------------------------------------------------------------------------- the evaluation harness
def test_evaluate_scores_a_perfect_and_a_random_method():
    # a "model" whose probability of class 1 is the mean of the features marked as evidence
    evidence = torch.tensor([False, True, True, False, False, False])
    cases = [evaluate.Case(torch.rand(6, generator=torch.Generator().manual_seed(i)) + 0.1, 1, evidence)
             for i in range(4)]

    def probabilities(batch):
        p = batch[:, evidence].mean(1).clamp(0, 1)
        return torch.stack([1 - p, p], dim=1)

    oracle = lambda x, target, seed: evidence.float() * x                                # noqa: E731
    options = dict(probabilities=probabilities, deletion_baseline=torch.zeros_like, insertion_baseline=torch.zeros_like)
    good = evaluate.evaluate_method("oracle", oracle, cases, randomised=oracle, **options)
    noise = evaluate.evaluate_method("random", evaluate.random_attribution(1), cases, **options)
    assert good.pointing_game == 1.0 and good.precision_at_k == 1.0
    assert good.random_baseline == pytest.approx(2 / 6)
    assert good.deletion_auc < good.random_deletion_auc and good.insertion_auc > good.random_insertion_auc
    assert good.randomisation_correlation == pytest.approx(1.0) and good.seed_variance == 0.0
    assert good.randomised_pointing_game == 1.0          # the "randomised" oracle is the oracle itself
    assert noise.seed_variance > 0 and math.isnan(noise.randomisation_correlation)
    table = evaluate.results_table([good, noise])
    assert list(table.index) == ["oracle", "random"] and "maps" not in table.columns
    both = evaluate.comparison_table({"text": [good, noise], "image": [good]})
    assert list(both.index) == [("text", "oracle"), ("text", "random"), ("image", "oracle")]


# --------------------------------------------------------------------------- the data's evidence
def test_evidence_sentences_carry_the_traps():
    corpus = evidence_sentences(400, 100, seed=3)
    assert HARD["shortcut_rate"] > 0 and EASY["shortcut_rate"] == 0
    train_tokens = [t for s in corpus.train for t in s.tokens]
    assert "sponsored" in train_tokens and all("sponsored" not in s.tokens for s in corpus.test)
    assert any(s.negators for s in corpus.train) and any(s.distractors for s in corpus.test)
    s = next(s for s in corpus.test if s.negators and s.distractors)
    assert evidence_mask(s).nonzero().flatten().tolist() == list(s.evidence)
    assert distractor_mask(s).sum() == len(s.distractors)
    easy = evidence_sentences(200, 50, seed=3, hard=False)
    assert not any(s.negators or s.shortcut is not None for s in easy.train)


def test_with_shortcut_shifts_every_position():
    s = next(s for s in evidence_sentences(200, 50, seed=0).test if s.negators and s.distractors)
    moved = with_shortcut(s, position=0)
    assert moved.tokens[0] == "sponsored" and moved.tokens[1:] == s.tokens and moved.shortcut == 0
    for field in ("evidence", "negators", "distractors"):
        assert [moved.tokens[p] for p in getattr(moved, field)] == [s.tokens[p] for p in getattr(s, field)]
    end = with_shortcut(s, position=len(s.tokens))
    assert end.evidence == s.evidence and end.tokens[-1] == "sponsored"
    with pytest.raises(ValueError):
        with_shortcut(s, position=len(s.tokens) + 1)


def test_shape_evidence_masks_are_the_objects():
    images = shape_evidence(20, size=32, seed=5)
    assert images.images.shape == (20, 3, 32, 32) and images.evidence.shape == (20, 32, 32)
    share = images.evidence.float().mean((1, 2))
    assert (share > 0.02).all() and (share < 0.3).all()
    # the object's pixels carry its colour; the background is dark
    brightest = images.images.amax(dim=1)
    assert (brightest[images.evidence].mean() > brightest[~images.evidence].mean() + 0.3)
