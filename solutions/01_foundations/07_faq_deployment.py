"""Worked solutions for the exercises of notebooks/01_foundations/07_faq_deployment."""
from __future__ import annotations


def exercise_a():
    """bits per weight times weights gives bits; eight bits make a byte."""
    def weights_bytes(params, bits):
        return params * bits / 8

    return weights_bytes


def wrong_a():
    """Forgets to convert bits to bytes."""
    def weights_bytes(params, bits):
        return params * bits

    return weights_bytes


def exercise_b():
    """numpy's default ("linear") percentile: position 0.95 * (n - 1) in the sorted list, interpolated."""
    def p95(times):
        ordered = sorted(times)
        position = 0.95 * (len(ordered) - 1)
        low = int(position)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (position - low) * (ordered[high] - ordered[low])

    return p95


def wrong_b():
    """Takes the nearest sorted value below the position, without interpolating."""
    def p95(times):
        ordered = sorted(times)
        return ordered[int(0.95 * (len(ordered) - 1))]

    return p95


def exercise_c():
    """Filter the batch sizes by the budget, then take the largest (0 when nothing qualifies)."""
    def largest_batch(latency_ms, budget_ms):
        within = [batch for batch, ms in latency_ms.items() if ms <= budget_ms]
        return max(within) if within else 0

    return largest_batch


def wrong_c():
    """Assumes latency grows with batch size and stops at the first batch over budget."""
    def largest_batch(latency_ms, budget_ms):
        best = 0
        for batch in sorted(latency_ms):
            if latency_ms[batch] > budget_ms:
                break
            best = batch
        return best

    return largest_batch
