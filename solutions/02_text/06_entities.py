"""Worked solutions for the exercises of notebooks/02_text/06_entities.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("02_text.06.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import torch


def exercise_a():
    """BIO tags to entity spans, the conlleval way.

    Walk the tags with one open entity (its start and type). A tag continues it only if
    it is I- of the same type; anything else closes it at the current position. A B-X
    opens a new entity, and so does an I-X that cannot continue (a stray I- after O or
    after another type), so a tagger that forgets the B- still gets the span. A sentinel
    "O" at the end closes the last entity.
    """
    def bio_to_spans(tags):
        spans, start, kind = set(), None, None
        for i, tag in enumerate(list(tags) + ["O"]):
            prefix, _, tag_type = tag.partition("-")
            continues = prefix == "I" and tag_type == kind
            if start is not None and not continues:
                spans.add((start, i, kind))
                start, kind = None, None
            if prefix == "B" or (prefix == "I" and not continues):
                start, kind = i, tag_type
        return spans

    return bio_to_spans


def wrong_a():
    """Strict reading: an I- without a matching open entity is ignored instead of starting one."""
    def bio_to_spans(tags):
        spans, start, kind = set(), None, None
        for i, tag in enumerate(list(tags) + ["O"]):
            prefix, _, tag_type = tag.partition("-")
            if start is not None and not (prefix == "I" and tag_type == kind):
                spans.add((start, i, kind))
                start, kind = None, None
            if prefix == "B":
                start, kind = i, tag_type
        return spans

    return bio_to_spans


def exercise_b():
    """The unnormalised CRF score of one tag path (no start or end scores).

    Every position contributes its emission for the chosen tag, and every pair of
    neighbours contributes transitions[previous, next]: row = the tag you leave,
    column = the tag you enter.
    """
    def path_score(emissions, transitions, tags):
        score = emissions[0, tags[0]]
        for t in range(1, len(tags)):
            score = score + transitions[tags[t - 1], tags[t]] + emissions[t, tags[t]]
        return score

    return path_score


def wrong_b():
    """Reads the transition matrix the wrong way round: transitions[next, previous]."""
    def path_score(emissions, transitions, tags):
        score = emissions[0, tags[0]]
        for t in range(1, len(tags)):
            score = score + transitions[tags[t], tags[t - 1]] + emissions[t, tags[t]]
        return score

    return path_score


def exercise_d():
    """Tag marginals p(y_t = j | x) by the forward-backward algorithm.

    alpha[t, j] (the forward algorithm) sums every partial path from the start that ends in
    tag j at t; beta[t, j] sums every partial path from tag j at t to the end, end score
    included. alpha + beta - log Z is the log-probability of all paths through (t, j).
    """
    def marginals(e, mask, trans, start, end):
        B, T, K = e.shape
        alphas = [start + e[:, 0]]                                            # (B, K) per position
        for t in range(1, T):
            new = torch.logsumexp(alphas[-1][:, :, None] + trans, dim=1) + e[:, t]
            alphas.append(torch.where(mask[:, t, None], new, alphas[-1]))
        log_z = torch.logsumexp(alphas[-1] + end, dim=1)                      # (B,)
        betas = [end.expand(B, K)]                                            # beta at position T - 1
        for t in range(T - 2, -1, -1):
            new = torch.logsumexp(trans + (e[:, t + 1] + betas[0])[:, None, :], dim=2)   # (B, K)
            betas.insert(0, torch.where(mask[:, t + 1, None], new, betas[0]))
        alpha, beta = torch.stack(alphas, dim=1), torch.stack(betas, dim=1)   # (B, T, K)
        return torch.exp(alpha + beta - log_z[:, None, None]) * mask[:, :, None]

    return marginals


def wrong_d():
    """Per-token softmax of the emissions: what each token says on its own, ignoring the transitions."""
    def marginals(e, mask, trans, start, end):
        return torch.softmax(e, dim=-1) * mask[:, :, None]

    return marginals
