"""The generative-image judge's score functions, on cases worked out by hand."""
import numpy as np
import pytest
import torch

from aigc_lab.data.image import ImageSplit
from aigc_lab.image import judge as J


def test_frechet_distance_of_identical_sets_is_zero_and_of_shifted_sets_is_the_squared_shift():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(500, 3))
    assert J.frechet_distance(a, a) == pytest.approx(0, abs=1e-4)
    # same covariance, means 2 apart along one axis: distance = 2^2
    assert J.frechet_distance(a, a + np.array([2.0, 0, 0])) == pytest.approx(4.0, abs=1e-4)


def test_frechet_distance_of_two_gaussians_with_different_scales():
    # 1-d: N(0, 1) against N(0, 4): (sigma_1 - sigma_2)^2 = (1 - 2)^2 = 1
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(200_000, 1)), 2 * rng.normal(size=(200_000, 1))
    assert J.frechet_distance(np.hstack([a, a * 0 + rng.normal(size=a.shape) * 1e-3]),
                              np.hstack([b, b * 0 + rng.normal(size=b.shape) * 1e-3])) == pytest.approx(1.0, abs=0.03)


def test_coverage_counts_classes_with_a_fifth_of_their_share():
    # 100 labels, fair share 10, threshold 2: classes 0..4 get 19/19/19/19/19, class 5 gets 5, others none
    predicted = torch.tensor([0] * 19 + [1] * 19 + [2] * 19 + [3] * 19 + [4] * 19 + [5] * 5)
    assert J.coverage(predicted) == pytest.approx(0.6)
    assert J.coverage(torch.tensor([0] * 99 + [1])) == pytest.approx(0.1)   # one sample of class 1 is under 2


def test_nearest_distance_and_balanced_labels():
    reference = torch.zeros(2, 1, 2, 2)
    reference[1] = 1.0
    x = torch.full((1, 1, 2, 2), 0.25)                   # nearest is the zero image: sqrt(4 * 0.25^2) = 0.5
    assert J.nearest_distance(x, reference).tolist() == pytest.approx([0.5])
    assert J.balanced_labels(12).tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]


def test_train_on_generated_learns_from_separable_samples_and_handles_one_class():
    x = torch.cat([torch.zeros(10, 1, 2, 2), torch.ones(10, 1, 2, 2)])
    y = torch.tensor([0] * 10 + [1] * 10)
    assert J.train_on_generated(x, y, x, y) == 1.0
    assert J.train_on_generated(x[:10], y[:10], x, y) == 0.5


def _tiny_split() -> ImageSplit:
    g = torch.Generator().manual_seed(0)
    means = torch.rand(10, 1, 16, 16, generator=g)
    y = torch.arange(400) % 10
    x = (means[y] + 0.05 * torch.randn(400, 1, 16, 16, generator=g)).clamp(0, 1)
    return ImageSplit(x[:300], y[:300], x[300:], y[300:], [str(c) for c in range(10)])


def test_baselines_are_conditional_and_sized(seeded_one_thread):
    data = _tiny_split()
    for sampler in (J.kde_samples, J.pca_gaussian_samples):
        x, y = sampler(data, 50)
        assert x.shape == (50, 1, 16, 16) and y.tolist() == J.balanced_labels(50).tolist()
        assert 0 <= float(x.min()) and float(x.max()) <= 1
        # each sample is closer to its own class mean than to any other
        means = torch.stack([data.x_train[data.y_train == c].mean(0) for c in range(10)])
        nearest_mean = torch.cdist(x.flatten(1), means.flatten(1)).argmin(1)
        assert (nearest_mean == y).float().mean() > 0.9


def test_score_samples_rejects_wrong_shapes_and_scores_real_data_well(seeded_one_thread):
    data = _tiny_split()
    judge = J.digit_judge(data, steps=60)
    with pytest.raises(ValueError, match="samples must be"):
        J.score_samples(torch.zeros(4, 1, 8, 8), torch.zeros(4, dtype=torch.long), data=data, judge=judge)
    real = J.real_reference(data=data, judge=judge, n=200)
    copies = J.score_samples(data.x_train[:200], data.y_train[:200], data=data, judge=judge)
    assert real["judge_accuracy"] > 0.9 and real["coverage"] == 1.0
    assert copies["memorisation_ratio"] < 0.01          # training images are their own nearest neighbours
    collapsed = J.score_samples(data.x_train[:1].expand(200, -1, -1, -1), J.balanced_labels(200), data=data, judge=judge)
    assert collapsed["coverage"] == pytest.approx(0.1) and collapsed["judge_accuracy"] == pytest.approx(0.1)
