"""Checks for the exercises of notebooks/01_foundations/07_faq_deployment."""
from __future__ import annotations

import math

import numpy as np

from . import exercise


@exercise("01_foundations.07.a", kind="function",
          hint="Each weight takes `bits` bits, and a byte is 8 bits.")
def _weights_bytes(answer) -> bool:
    for params in (1, 1000, 123_457, 7_000_000_000):
        for bits in (32, 16, 8, 4):
            try:
                value = float(answer(params, bits))
            except NotImplementedError:      # an untouched stub: 'not attempted'
                raise
            except Exception:       # noqa: BLE001 -- a failing answer is a wrong answer
                return False
            if not math.isclose(value, params * bits / 8, rel_tol=1e-12):
                return False
    return True


@exercise("01_foundations.07.b", kind="function",
          hint="Sort the times; the 95th percentile sits at position 0.95 * (n - 1), between two neighbours.")
def _p95(answer) -> bool:
    rng = np.random.default_rng(0)
    for n in (1, 2, 7, 20, 101):
        times = list(rng.exponential(2.0, n))
        try:
            value = float(answer(list(times)))
        except NotImplementedError:      # an untouched stub: 'not attempted'
            raise
        except Exception:       # noqa: BLE001
            return False
        if not math.isclose(value, float(np.percentile(times, 95)), rel_tol=1e-9, abs_tol=1e-12):
            return False
    return True


@exercise("01_foundations.07.c", kind="function",
          hint="Keep the batch sizes whose time is at most the budget; answer the largest, or 0 if none is left.")
def _largest_batch(answer) -> bool:
    cases = [({1: 0.5, 8: 1.0, 64: 4.0, 256: 15.0}, 5.0),
             ({1: 0.5, 8: 1.0, 64: 4.0}, 4.0),
             ({1: 2.0, 4: 3.0}, 1.0),
             ({16: 3.0, 1: 1.0, 4: 9.0}, 5.0)]          # latency need not grow with the batch
    for latency, budget in cases:
        within = [b for b, ms in latency.items() if ms <= budget]
        reference = max(within) if within else 0
        try:
            value = answer(dict(latency), budget)
        except NotImplementedError:      # an untouched stub: 'not attempted'
            raise
        except Exception:       # noqa: BLE001
            return False
        if value != reference:
            return False
    return True
