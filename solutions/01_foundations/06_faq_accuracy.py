"""Worked solutions for the exercises of notebooks/01_foundations/06_faq_accuracy."""
from __future__ import annotations


def exercise_a():
    """A label is noisy where the two tensors differ; the mean of that boolean tensor is the rate."""
    def noise_rate(y_clean, y_noisy):
        return (y_clean != y_noisy).float().mean().item()

    return noise_rate


def wrong_a():
    """Counts the flipped labels instead of dividing by how many there are."""
    def noise_rate(y_clean, y_noisy):
        return float((y_clean != y_noisy).sum())

    return noise_rate


def exercise_b():
    """The perfect classifier predicts the true digit; it agrees with the noisy label only where that label
    was not flipped, so its measured accuracy is 1 - 0.2.  Noisy test labels put a ceiling on any score."""
    return 0.8


def wrong_b():
    """Believes a perfect model always scores 100%, whatever the labels."""
    return 1.0


def exercise_c():
    """The index of the lowest smoothed loss, its learning rate, divided by ten."""
    def pick_learning_rate(lrs, losses):
        best = min(range(len(losses)), key=lambda i: losses[i])
        return lrs[best] / 10

    return pick_learning_rate


def wrong_c():
    """Takes the learning rate of the lowest loss itself: right at the edge of the blow-up."""
    def pick_learning_rate(lrs, losses):
        return lrs[min(range(len(losses)), key=lambda i: losses[i])]

    return pick_learning_rate
