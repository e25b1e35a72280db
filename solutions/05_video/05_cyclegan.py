"""Worked solutions for the exercises of notebooks/05_video/05_cyclegan.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("05_video.05.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations


def exercise_a():
    """Both round trips are penalised: a -> B -> a with G_ba(G_ab(a)) and b -> A -> b with G_ab(G_ba(b)),
    each by its mean absolute error; without the second term G_ab could discard whatever G_ba needs."""
    def two_way_cycle_loss(g_ab, g_ba, a, b):
        return (g_ba(g_ab(a)) - a).abs().mean() + (g_ab(g_ba(b)) - b).abs().mean()

    return two_way_cycle_loss


def wrong_a():
    """Checks only the a -> B -> a round trip, so nothing ties the b side together."""
    def two_way_cycle_loss(g_ab, g_ba, a, b):
        return (g_ba(g_ab(a)) - a).abs().mean()

    return two_way_cycle_loss


def exercise_b():
    """The discriminator regresses real scores onto 1 and fake scores onto 0 (Mao et al. 2017);
    CycleGAN halves the sum so D learns more slowly than G."""
    def lsgan_d_loss(real_scores, fake_scores):
        return 0.5 * ((real_scores - 1).pow(2).mean() + fake_scores.pow(2).mean())

    return lsgan_d_loss


def wrong_b():
    """Uses the generator's target for the fakes too: pushes fake scores towards 1 instead of 0."""
    def lsgan_d_loss(real_scores, fake_scores):
        return 0.5 * ((real_scores - 1).pow(2).mean() + (fake_scores - 1).pow(2).mean())

    return lsgan_d_loss


def exercise_c():
    """Flicker is change that motion does not explain: the translated clips' mean frame difference
    over the reference clips' (an exact frame-by-frame translation of the same motion)."""
    from aigc_lab.data.video import frame_difference

    def flicker_ratio(translated, reference):
        return (frame_difference(translated).mean() / frame_difference(reference).mean()).item()

    return flicker_ratio


def wrong_c():
    """Compares each clip's first and last frames only, which misses changes that come and go."""
    def flicker_ratio(translated, reference):
        return ((translated[:, -1] - translated[:, 0]).abs().mean()
                / (reference[:, -1] - reference[:, 0]).abs().mean()).item()

    return flicker_ratio
