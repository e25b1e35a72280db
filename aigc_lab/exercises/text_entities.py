"""Checks for the exercises of notebooks/02_text/06_entities.

Each check runs the learner's function on tag sequences or random CRF scores made up
here and compares it with the package (``entity_metrics.bio_spans``, ``crf.path_score``, and
the gradient of ``crf.log_partition``, which is the tag marginals), so the notebook never holds the
answer.  (02_text.06.c, Viterbi for one sentence, is retired: the notebook now writes Viterbi on screen.)
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


@exercise("02_text.06.d", kind="function",
          hint="Run the forward algorithm of section 3 and keep alpha at every position; run the same recursion from "
               "the right, beta[t, i] = logsumexp_j(trans[i, j] + e[t+1, j] + beta[t+1, j]), starting from beta = end at "
               "each sentence's last real token (padding: carry beta back unchanged). Then the marginal is "
               "exp(alpha[t] + beta[t] - log Z), and 0 at padded positions.")
def _marginals(answer) -> bool:
    from ..text.crf import log_partition

    generator = torch.Generator().manual_seed(7)
    for B, T, K in [(1, 1, 3), (4, 6, 5), (8, 10, 9)]:
        emissions = torch.randn(B, T, K, generator=generator, dtype=torch.float64) * 2
        transitions, start, end = (torch.randn(K, K, generator=generator, dtype=torch.float64),
                                   torch.randn(K, generator=generator, dtype=torch.float64),
                                   torch.randn(K, generator=generator, dtype=torch.float64))
        lengths = torch.randint(1, T + 1, (B,), generator=generator)
        lengths[0] = T
        mask = torch.arange(T)[None, :] < lengths[:, None]                  # (B, T) right-padded
        # d log Z / d e[b, t, j] is exactly p(y_t = j | x): autograd gives the reference marginals
        leaf = emissions.clone().requires_grad_(True)
        reference, = torch.autograd.grad(log_partition(leaf, mask, transitions, start, end).sum(), leaf)
        mine = answer(emissions.clone(), mask.clone(), transitions.clone(), start.clone(), end.clone())
        try:
            torch.testing.assert_close(torch.as_tensor(mine, dtype=torch.float64), reference)
        except (AssertionError, TypeError, ValueError):
            return False
    return True
