"""Checks for the exercises of notebooks/02_text/06_entities.

Each check runs the learner's function on tag sequences or random CRF scores made up
here and compares it with the package (``entity_metrics.bio_spans``, ``crf.path_score``,
``crf.brute_force``), so the notebook never holds the answer.
"""
from __future__ import annotations

import random

import torch

from . import exercise

_TAGS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC")


def _tag_sequences():
    """Hand-picked cases (a stray I-, a type change, back-to-back entities) and random sequences."""
    rng = random.Random(0)
    yield ["B-PER", "I-PER", "O", "B-LOC"]
    yield ["O", "I-LOC", "I-LOC", "O"]
    yield ["B-PER", "B-PER", "I-PER"]
    yield ["B-PER", "I-LOC", "I-LOC"]
    yield ["I-PER"]
    yield []
    for _ in range(200):
        yield [rng.choice(_TAGS) for _ in range(rng.randint(1, 9))]


@exercise("02_text.06.a", kind="function",
          hint="Walk the tags keeping the open entity's start and type. Close it whenever the next tag does not "
               "continue it (O, a B-, or an I- of another type). An I-X that cannot continue starts a new entity, "
               "as conlleval reads it. Spans are (start, end, type) with end one past the last token.")
def _bio_to_spans(answer) -> bool:
    from ..text.entity_metrics import bio_spans

    for tags in _tag_sequences():
        mine = answer(list(tags))
        if {tuple(s) for s in mine} != bio_spans(tags):
            return False
    return True


def _random_problem(seed: int, T: int, K: int):
    g = torch.Generator().manual_seed(seed)
    emissions = torch.randn(T, K, generator=g, dtype=torch.float64)
    transitions = 2.5 * torch.randn(K, K, generator=g, dtype=torch.float64)   # strong enough to overrule emissions
    return emissions, transitions


@exercise("02_text.06.b", kind="function",
          hint="Sum emissions[t, tags[t]] over every position, then transitions[tags[t-1], tags[t]] for t = 1 .. T-1: "
               "the row is the tag you come FROM, the column the tag you go TO.")
def _path_score(answer) -> bool:
    from ..text.crf import path_score

    for seed, (T, K) in enumerate([(1, 3), (4, 3), (6, 5), (9, 4)]):
        emissions, transitions = _random_problem(seed, T, K)
        g = torch.Generator().manual_seed(100 + seed)
        for _ in range(5):
            tags = torch.randint(K, (T,), generator=g).tolist()
            zero = torch.zeros(K, dtype=torch.float64)
            expected = path_score(emissions[None], torch.tensor([tags]), torch.ones(1, T, dtype=torch.bool),
                                  transitions, zero, zero)[0]
            mine = answer(emissions.clone(), transitions.clone(), list(tags))
            if not torch.allclose(torch.as_tensor(mine, dtype=torch.float64), expected, atol=1e-8):
                return False
    return True


@exercise("02_text.06.c", kind="function",
          hint="Keep best[j] = the best score of any path ending in tag j, and for every position remember which "
               "previous tag gave it (a back-pointer). At the end start from the best final tag and follow the "
               "pointers backwards. Picking each token's best tag on its own ignores the transitions.")
def _viterbi(answer) -> bool:
    from ..text.crf import brute_force

    for seed, (T, K) in enumerate([(1, 4), (3, 3), (5, 3), (6, 4), (7, 2)]):
        emissions, transitions = _random_problem(50 + seed, T, K)
        zero = torch.zeros(K, dtype=torch.float64)
        _, best = brute_force(emissions, transitions, zero, zero)
        mine = answer(emissions.clone(), transitions.clone())
        if [int(t) for t in mine] != best:
            return False
    return True
