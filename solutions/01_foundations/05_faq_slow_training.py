"""Worked solutions for the exercises of notebooks/01_foundations/05_faq_slow_training."""
from __future__ import annotations


def exercise_a():
    """8 examples per micro-batch x 4 micro-batches per step x 16 processes = 512 examples per step."""
    return 8 * 4 * 16


def wrong_a():
    """Forgets that every one of the 16 processes accumulates its own 4 micro-batches."""
    return 8 * 4


def exercise_b():
    """Amdahl's law: the serial part (1 - p) takes as long as ever, the parallel part p is split n ways."""
    def speedup(p, n):
        return 1 / ((1 - p) + p / n)

    return speedup


def wrong_b():
    """Assumes perfect scaling: ignores the serial part."""
    def speedup(p, n):
        return n * p if p else 1.0

    return speedup


def exercise_c():
    """Zero the gradients, then for each micro-batch add backward(loss / pieces): the sum of the pieces'
    mean losses divided by the number of pieces is the full batch's mean loss, and gradients add."""
    def accumulated_gradients(model, x, y, pieces):
        model.zero_grad(set_to_none=True)
        for xs, ys in zip(x.chunk(pieces), y.chunk(pieces)):
            (model.loss((xs, ys)) / pieces).backward()
        return [p.grad.clone() for p in model.parameters()]

    return accumulated_gradients


def wrong_c():
    """Forgets to divide by the number of pieces: the gradient comes out `pieces` times too large."""
    def accumulated_gradients(model, x, y, pieces):
        model.zero_grad(set_to_none=True)
        for xs, ys in zip(x.chunk(pieces), y.chunk(pieces)):
            model.loss((xs, ys)).backward()
        return [p.grad.clone() for p in model.parameters()]

    return accumulated_gradients
