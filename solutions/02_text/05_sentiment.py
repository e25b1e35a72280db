"""Worked solutions for the exercises of notebooks/02_text/05_sentiment.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("02_text.05.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import torch


def exercise_a():
    """GloVe's weighting f(x) = (x / x_max)^alpha below x_max, 1 above (eq. 9 of Pennington et al.).

    Capping x / x_max at 1 before the power does both cases at once, since 1^alpha = 1.
    Rare pairs (small x) get small weights because their counts are noisy; very common
    pairs are capped so that they do not swamp the loss.
    """
    def weight(x, x_max=100.0, alpha=0.75):
        return torch.clamp(x / x_max, max=1.0) ** alpha

    return weight


def wrong_a():
    """Forgets the cap, so pairs counted more than x_max times weigh more than 1."""
    def weight(x, x_max=100.0, alpha=0.75):
        return (x / x_max) ** alpha

    return weight


def exercise_b():
    """3CosAdd: the word nearest (by cosine) to unit(b) - unit(a) + unit(c).

    Normalising first stops long vectors (often frequent words) from dominating the sum.
    The question words must be excluded, or b or c (which are near the target by
    construction) would usually win; padding and unknown (ids 0 and 1) are not words.
    """
    def analogy_answer(vectors, vocab, a, b, c):
        unit = vectors / vectors.norm(dim=1, keepdim=True)
        target = unit[vocab.id(b)] - unit[vocab.id(a)] + unit[vocab.id(c)]
        sims = unit @ (target / target.norm())
        for i in (0, 1, vocab.id(a), vocab.id(b), vocab.id(c)):
            sims[i] = -float("inf")
        return vocab.words[int(sims.argmax())]

    return analogy_answer


def wrong_b():
    """Forgets to exclude the question words, so it often answers one of them."""
    def analogy_answer(vectors, vocab, a, b, c):
        unit = vectors / vectors.norm(dim=1, keepdim=True)
        target = unit[vocab.id(b)] - unit[vocab.id(a)] + unit[vocab.id(c)]
        sims = unit @ (target / target.norm())
        sims[:2] = -float("inf")
        return vocab.words[int(sims.argmax())]

    return analogy_answer


def exercise_c():
    """Smooth-inverse-frequency weighted average (Arora, Liang and Ma 2017).

    p(w) = count(w) / total; weight(w) = a / (a + p(w)), close to 1 for rare words and
    small for very frequent ones ("the", "was"), which carry little meaning. The sentence
    vector is sum(weight * vector) / sum(weight) over the tokens in the vocabulary.
    """
    def weighted_sentence_vector(tokens, vectors, vocab, counts, a=1e-3):
        total = sum(counts.values())
        kept = [t for t in tokens if t in vocab]
        w = torch.tensor([a / (a + counts.get(t, 0) / total) for t in kept], dtype=vectors.dtype)
        rows = vectors[[vocab.id(t) for t in kept]]
        return (w[:, None] * rows).sum(0) / w.sum()

    return weighted_sentence_vector


def wrong_c():
    """Weights by p(w) itself, which favours the most common words instead of shrinking them."""
    def weighted_sentence_vector(tokens, vectors, vocab, counts, a=1e-3):
        total = sum(counts.values())
        kept = [t for t in tokens if t in vocab]
        w = torch.tensor([counts.get(t, 0) / total for t in kept], dtype=vectors.dtype)
        rows = vectors[[vocab.id(t) for t in kept]]
        return (w[:, None] * rows).sum(0) / w.sum()

    return weighted_sentence_vector


def exercise_d():
    """GloVe's loss, eq. (8) of Pennington et al., with the weights of a package GloVe model.

    For every non-zero count X[i, j] in the batch, the prediction w_i . w~_j + b_i + b~_j
    should equal log X[i, j]; each squared error is weighted by f(X[i, j]) (exercise a),
    and the batch's mean is the loss.
    """
    def glove_loss(model, i, j, x):
        prediction = (model.w.weight[i] * model.w_tilde.weight[j]).sum(-1)                 # (B,): w_i . w~_j
        prediction = prediction + model.b.weight[i, 0] + model.b_tilde.weight[j, 0]         # + b_i + b~_j
        f = torch.clamp(x / model.config.x_max, max=1.0) ** model.config.alpha             # (B,): f(X_ij)
        return (f * (prediction - torch.log(x)) ** 2).mean()

    return glove_loss


def wrong_d():
    """Fits the raw counts instead of their logarithm: the errors of common pairs explode."""
    def glove_loss(model, i, j, x):
        prediction = (model.w.weight[i] * model.w_tilde.weight[j]).sum(-1)
        prediction = prediction + model.b.weight[i, 0] + model.b_tilde.weight[j, 0]
        f = torch.clamp(x / model.config.x_max, max=1.0) ** model.config.alpha
        return (f * (prediction - x) ** 2).mean()

    return glove_loss
