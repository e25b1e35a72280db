"""Tests for aigc_lab/faq.py: the recipes of the FAQ notebooks."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from aigc_lab import faq


@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.3, 1.0])
def test_flip_labels_flips_exactly_the_fraction_and_never_to_the_same_class(fraction):
    y = torch.randint(10, (500,), generator=torch.Generator().manual_seed(0))
    noisy = faq.flip_labels(y, fraction, classes=10, seed=3)
    changed = noisy != y
    assert int(changed.sum()) == round(fraction * len(y))
    assert noisy.min() >= 0 and noisy.max() < 10
    assert torch.equal(noisy, faq.flip_labels(y, fraction, classes=10, seed=3))   # seeded
    assert torch.equal(y, torch.randint(10, (500,), generator=torch.Generator().manual_seed(0)))  # input untouched


def test_flip_labels_reaches_every_other_class_and_rejects_bad_fractions():
    y = torch.zeros(3000, dtype=torch.long)
    noisy = faq.flip_labels(y, 1.0, classes=4, seed=0)
    assert set(noisy.tolist()) == {1, 2, 3}
    with pytest.raises(ValueError):
        faq.flip_labels(y, 1.5, classes=4)


def test_latency_percentiles_agree_with_numpy(monkeypatch):
    fake = [5.0, 1.0, 3.0, 2.0, 4.0, 10.0, 7.0]
    monkeypatch.setattr(faq, "times_ms", lambda fn, repeats, warmup: list(fake))
    got = faq.latency_percentiles(lambda: None, repeats=len(fake), percentiles=(50, 95, 99))
    assert got == {f"p{p}": pytest.approx(float(np.percentile(fake, p))) for p in (50, 95, 99)}


def test_times_ms_calls_the_function_warmup_plus_repeats_times():
    calls = []
    times = faq.times_ms(lambda: calls.append(1), repeats=7, warmup=2)
    assert len(times) == 7 and len(calls) == 9 and all(t >= 0 for t in times)


class _Linear(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Linear(4, 3)

    def forward(self, x):
        return self.net(x)

    def loss(self, batch):
        x, y = batch
        return F.cross_entropy(self(x), y)


def test_lr_range_test_returns_increasing_rates_and_the_loss_falls_then_rises():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(256, 4, generator=g)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()

    def data():
        i = torch.randint(256, (32,), generator=g)
        return x[i], y[i]

    sweep = faq.lr_range_test(_Linear, data, lr_min=1e-4, lr_max=10.0, steps=80)
    assert all(a < b for a, b in zip(sweep.lrs, sweep.lrs[1:]))
    assert sweep.lrs[0] == pytest.approx(1e-4)
    assert len(sweep.lrs) == len(sweep.losses) >= 20
    assert min(sweep.losses) < sweep.losses[0]
    assert sweep.lrs[0] <= sweep.suggestion() <= sweep.lrs[-1]


def test_throughput_has_one_entry_per_batch_size():
    model = torch.nn.Linear(8, 2)
    rates = faq.throughput(model, torch.randn(16, 8), batch_sizes=(1, 4, 16), repeats=3)
    assert list(rates) == [1, 4, 16] and all(r > 0 for r in rates.values())


def test_saliency_of_a_linear_model_is_its_weight_row():
    model = torch.nn.Linear(5, 3)
    x = torch.randn(4, 5)
    target = torch.tensor([0, 1, 2, 1])
    got = faq.saliency(model, x, target)
    assert torch.allclose(got, model.weight[target].abs().detach())
    assert faq.saliency(model, x).shape == x.shape


def test_membership_leak_of_an_over_fitted_mlp():
    """The privacy FAQ's measurement: members memorised, so their losses give them away (AUC above chance)."""
    auc, member_accuracy = faq.membership_leak(members=30, steps=150)
    assert member_accuracy == 1.0 and 0.5 < auc <= 1.0
    assert faq.membership_leak(members=30, steps=150) == (auc, member_accuracy)      # seeded: the same again
