"""Worked solutions for the exercises of notebooks/01_foundations/01_concepts.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("01_foundations.01.x", ...)`` and ``wrong_x()`` returns a plausible mistake
that the check must reject.
"""
from __future__ import annotations

import math
from collections import Counter


def exercise_a():
    """Parameters of a Conv2d layer.

    Every one of the ``out_channels`` filters looks at all ``in_channels`` input maps
    through a ``kernel_size`` x ``kernel_size`` window, and adds one bias. The count
    does not depend on the image size: that is why a CNN is so much smaller than an
    MLP, whose first layer has one weight per pixel per hidden unit.
    """
    def conv_params(in_channels, out_channels, kernel_size):
        return out_channels * (in_channels * kernel_size * kernel_size + 1)

    return conv_params


def wrong_a():
    """Forgets the bias of each filter."""
    def conv_params(in_channels, out_channels, kernel_size):
        return out_channels * in_channels * kernel_size * kernel_size

    return conv_params


def exercise_b():
    """Entropy of the token frequencies, in nats.

    Count each token, turn the counts into probabilities p = count / total and sum
    -p log p with the natural log. This is the loss of the best model that ignores
    context: the baseline every language model in the notebook must beat.
    """
    def entropy(ids):
        counts = Counter(ids.tolist())
        total = sum(counts.values())
        return -sum(c / total * math.log(c / total) for c in counts.values())

    return entropy


def wrong_b():
    """Uses log base 2 (bits) instead of the natural log (nats) the losses use."""
    def entropy(ids):
        counts = Counter(ids.tolist())
        total = sum(counts.values())
        return -sum(c / total * math.log2(c / total) for c in counts.values())

    return entropy


def exercise_c():
    """Perplexity from a loss in nats.

    A cross-entropy loss is a mean of natural logs, so exp(loss) undoes it: the
    perplexity is the number of equally likely choices that would give the same
    loss (a uniform guess over V tokens has loss log V and perplexity V).
    """
    def perplexity(loss):
        return math.exp(loss)

    return perplexity


def wrong_c():
    """Treats the loss as bits (2 ** loss), but the losses are in nats."""
    def perplexity(loss):
        return 2 ** loss

    return perplexity
