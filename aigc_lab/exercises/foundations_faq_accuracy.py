"""Checks for the exercises of notebooks/01_foundations/06_faq_accuracy."""
from __future__ import annotations

import math

import torch

from . import exercise
from ..faq import RangeTest, flip_labels


@exercise("01_foundations.06.a", kind="function",
          hint="Compare the two label tensors element by element and take the mean of the mismatches.")
def _noise_rate(answer) -> bool:
    y = torch.randint(10, (400,), generator=torch.Generator().manual_seed(0))
    for fraction in (0.0, 0.05, 0.3, 1.0):
        noisy = flip_labels(y, fraction, classes=10, seed=1)
        reference = (noisy != y).float().mean().item()
        try:
            value = float(answer(y, noisy))
        except NotImplementedError:      # an untouched stub: 'not attempted'
            raise
        except Exception:       # noqa: BLE001 -- a failing answer is a wrong answer
            return False
        if not math.isclose(value, reference, abs_tol=1e-9):
            return False
    return True


@exercise("01_foundations.06.b", kind="value",
          hint="The classifier is right about every digit; the score counts it wrong exactly where the label is wrong.")
def _perfect_on_noisy(answer) -> bool:
    y = torch.randint(10, (1000,), generator=torch.Generator().manual_seed(2))
    noisy = flip_labels(y, 0.2, classes=10, seed=3)
    reference = (y == noisy).float().mean().item()                 # a perfect model predicts y
    return isinstance(answer, (int, float)) and math.isclose(float(answer), reference, abs_tol=1e-6)


@exercise("01_foundations.06.c", kind="function",
          hint="Find the index of the smallest loss, take the learning rate at that index, divide by ten.")
def _pick_lr(answer) -> bool:
    curves = [([1e-4, 1e-3, 1e-2, 1e-1, 1.0], [2.3, 2.0, 0.9, 0.5, 4.0]),
              ([1e-5, 1e-4, 1e-3], [2.0, 1.0, 1.5]),
              ([0.01, 0.1, 1.0, 10.0], [3.0, 2.5, 2.4, 9.0])]
    for lrs, losses in curves:
        reference = RangeTest(lrs=lrs, losses=losses).suggestion()
        try:
            value = float(answer(list(lrs), list(losses)))
        except NotImplementedError:      # an untouched stub: 'not attempted'
            raise
        except Exception:       # noqa: BLE001
            return False
        if not math.isclose(value, reference, rel_tol=1e-9):
            return False
    return True
