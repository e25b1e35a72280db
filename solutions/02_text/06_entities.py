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


def exercise_c():
    """Viterbi decoding for one sequence.

    best[j] is the highest score of any partial path that ends in tag j. Moving one
    position on, best_new[j] = max_i(best[i] + transitions[i, j]) + emissions[t, j], and
    the arg-max i is stored as a back-pointer. After the last position, start from the
    best final tag and follow the back-pointers to the front. O(T K^2) instead of K^T.
    """
    def viterbi(emissions, transitions):
        best = emissions[0].clone()                                  # (K,)
        pointers = []
        for t in range(1, emissions.shape[0]):
            candidates = best[:, None] + transitions                 # (K_prev, K_next)
            best, arg = candidates.max(dim=0)
            best = best + emissions[t]
            pointers.append(arg)
        path = [int(best.argmax())]
        for arg in reversed(pointers):
            path.append(int(arg[path[-1]]))
        return path[::-1]

    return viterbi


def wrong_c():
    """Greedy decoding: each token's best tag on its own, ignoring the transition scores."""
    def viterbi(emissions, transitions):
        return torch.as_tensor(emissions).argmax(dim=1).tolist()

    return viterbi
