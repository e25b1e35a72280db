"""Checks for the exercises of notebooks/02_text/04_translation.

Each check compares the learner's function with what the package or a library
computes on data made up here: IBM Model 1's alignment posterior from
``aigc_lab.text.alignment``, BLEU's brevity penalty from ``sacrebleu``, and one
beam-search step from ``torch.topk``.  The notebook never holds the answer.
"""
from __future__ import annotations

import numpy as np
import torch

from . import exercise


@exercise("02_text.04.a", kind="function",
          hint="Each target word j came from exactly one source position, so the probabilities in column j must sum to 1: "
               "divide every t(f_j | e_i) by the sum of its column (over the source words, NULL included).")
def _alignment_posterior(answer) -> bool:
    from ..data.text import parallel_corpus
    from ..text.alignment import NULL, alignment_matrix, train_ibm1

    corpus = parallel_corpus("invented", 200, 5, seed=4)
    pairs = [(p.source_tokens, p.target_tokens) for p in corpus.train]
    model = train_ibm1(pairs, iterations=3)
    for source, target in pairs[:5]:
        t_sub = np.array([[model.prob(f, e) for f in target] for e in [NULL] + source])   # (I + 1, J)
        mine = np.asarray(answer(t_sub.copy()), dtype=float)
        if mine.shape != t_sub.shape or not np.allclose(mine, alignment_matrix(model, source, target).T, atol=1e-9):
            return False
    return True


@exercise("02_text.04.b", kind="function",
          hint="No penalty (1.0) when the output is longer than the reference; otherwise exp(1 - ref_len / hyp_len). "
               "An empty output gets 0.")
def _brevity_penalty(answer) -> bool:
    from sacrebleu.metrics import BLEU

    for hyp_len, ref_len in [(8, 10), (10, 10), (12, 10), (3, 10), (1, 2), (0, 5), (30, 31)]:
        reference = BLEU.compute_bleu([0] * 4, [1] * 4, hyp_len, ref_len).bp
        if abs(float(answer(hyp_len, ref_len)) - reference) > 1e-9:
            return False
    return True


@exercise("02_text.04.c", kind="function",
          hint="Add each hypothesis's score to its row of log-probabilities, flatten the (k, V) table, take the k largest "
               "entries, and turn each flat index back into (row, column) with divmod(index, V).")
def _beam_step(answer) -> bool:
    g = torch.Generator().manual_seed(5)
    for k, vocab in [(3, 7), (4, 11), (2, 5)]:
        scores = -torch.rand(k, generator=g) * 3
        log_probs = torch.log_softmax(torch.randn(k, vocab, generator=g) * 2, dim=-1)
        best = (scores[:, None] + log_probs).flatten().topk(k)
        reference = [(int(i) // vocab, int(i) % vocab, float(v)) for v, i in zip(best.values, best.indices)]
        mine = answer(scores.clone(), log_probs.clone(), k)
        if len(mine) != k:
            return False
        for (o, t, s), (ro, rt, rs) in zip(mine, reference):
            if int(o) != ro or int(t) != rt or abs(float(s) - rs) > 1e-5:
                return False
    return True
