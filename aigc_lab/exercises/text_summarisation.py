"""Checks for the exercises of notebooks/02_text/03_summarisation.

Each check runs the learner's function on token lists or graphs made up here and
compares it with the package's own ``aigc_lab.text.rouge`` and
``aigc_lab.text.textrank`` (themselves tested against hand-worked examples, the
``rouge-score`` package and a closed-form PageRank), so the notebook never holds
the answer.
"""
from __future__ import annotations

import random

import numpy as np
import torch

from .. import runtime
from . import exercise

_WORDS = "the a cat dog sat on mat log red".split()


def _random_pairs(seed: int, n: int = 60):
    """Short token lists over a tiny vocabulary, so repeated words and repeated bigrams are common."""
    rng = random.Random(seed)
    for _ in range(n):
        yield ([rng.choice(_WORDS) for _ in range(rng.randint(0, 10))],
               [rng.choice(_WORDS) for _ in range(rng.randint(1, 10))])


@exercise("02_text.03.a", kind="function",
          hint="Count the bigrams of each side with a Counter of tuples; a bigram matches at most as many times as "
               "it occurs in the *reference* and in the candidate (min of the two counts). Return (precision, recall, f1), "
               "with 0 where a denominator is 0.")
def _rouge2(answer) -> bool:
    from ..text.rouge import rouge_n

    repeated = [("the cat the cat the cat".split(), "the cat sat".split()),      # (the cat) matches once only
                ("a dog".split(), "a dog a dog a dog".split()), (["a"], ["a"]), ([], "the cat".split())]
    for cand, ref in repeated + list(_random_pairs(0)):
        reference = rouge_n(cand, ref, 2)
        mine = answer(list(cand), list(ref))
        if not isinstance(mine, (tuple, list)) or len(mine) != 3:
            return False
        if not np.allclose([float(m) for m in mine], [reference.precision, reference.recall, reference.f1], atol=1e-9):
            return False
    return True


@exercise("02_text.03.b", kind="function",
          hint="Fill a (len(a)+1) x (len(b)+1) table: when a[i-1] == b[j-1] take the diagonal + 1, otherwise the larger "
               "of the cell above and the cell to the left. The words need not be next to each other.")
def _lcs(answer) -> bool:
    from ..text.rouge import lcs_length

    pairs = list(_random_pairs(1)) + [("a b c d e".split(), "a c e b".split()), ([], ["a"]), (["a"], [])]
    return all(int(answer(list(a), list(b))) == lcs_length(a, b) for a, b in pairs)


def _personalised_pagerank_closed_form(w: np.ndarray, d: float, prior: np.ndarray) -> np.ndarray:
    """The fixed point of score = (1 - d) prior + d T^T score, solved directly: (I - d T^T) score = (1 - d) prior."""
    n = len(w)
    out = w.sum(axis=1, keepdims=True)
    transition = np.where(out > 0, w / np.where(out > 0, out, 1), 1.0 / n)    # a row of zeros jumps anywhere
    return np.linalg.solve(np.eye(n) - d * transition.T, (1 - d) * prior)


@exercise("02_text.03.e", kind="function",
          hint="Start from the power iteration of section 3 (my_pagerank): the same transition matrix T (a row of zeros "
               "jumps to every node with probability 1/n) and the same loop, but the random jump lands on node i with "
               "probability prior[i] instead of 1/n: score = (1 - d) * prior + d * T.T @ score, repeated until it stops changing.")
def _personalised_pagerank(answer) -> bool:
    rng = np.random.default_rng(2)
    for n in (3, 5, 8):
        w = rng.random((n, n)) * (rng.random((n, n)) < 0.7)
        w = (w + w.T) / 2
        np.fill_diagonal(w, 0)
        w[0, :] = w[:, 0] = 0                      # an isolated sentence
        for prior in (np.full(n, 1.0 / n), 1.0 / np.arange(1, n + 1), rng.random(n)):
            prior = prior / prior.sum()
            mine = np.asarray(answer(w.copy(), 0.85, prior.copy()), dtype=float)
            if mine.shape != (n,) or not np.allclose(mine, _personalised_pagerank_closed_form(w, 0.85, prior), atol=1e-6):
                return False
    return True


# --------------------------------------------------------------------------- d: multiplicative attention, trained
def _luong_reference(query, memory, mask, W):
    scores = torch.einsum("bh,hk,bsk->bs", query, W, memory)              # (B, S): h^T W m_s
    weights = scores.masked_fill(~mask, float("-inf")).softmax(dim=-1)    # (B, S)
    return weights, (weights[:, :, None] * memory).sum(dim=1)            # (B, S), (B, 2h)


def _seq2seq_with(attend):
    """The package's Seq2Seq with its additive scorer replaced by ``attend(query, memory, mask, W)``."""
    import torch.nn as nn

    from ..text.seq2seq import Seq2Seq

    class LuongSeq2Seq(Seq2Seq):
        def __init__(self, config):
            super().__init__(config)
            self.att_w = nn.Parameter(torch.randn(config.hidden, 2 * config.hidden) * 0.05)   # W: (h, 2h)

        def step(self, state, y_prev):
            e = self.drop(self.tgt_emb(y_prev))                                              # (B, emb)
            weights, context = attend(state["hidden"], state["memory"], state["mask"], self.att_w)
            if weights is None or context is None:
                raise NotImplementedError
            hidden, cell = self.cell(torch.cat([e, context], dim=-1), (state["hidden"], state["cell"]))
            logits = self.out(self.drop(torch.tanh(self.pre_out(torch.cat([hidden, context, e], dim=-1)))))
            return logits, {**state, "hidden": hidden, "cell": cell}, weights

    return LuongSeq2Seq


@exercise("02_text.03.d", kind="function",
          hint="Follow the on-screen decoder step of section 4, changing only the score: e_s = query^T W m_s for every "
               "story position s (shape (B, S)); padding positions (mask False) get -inf before the softmax over s, and "
               "the context is the attention-weighted sum of the memory vectors. Return (weights, context).")
def _luong_attention(answer) -> bool:
    from .. import train
    from ..data.text import summary_documents, unigram_entropy
    from ..text.seq2seq import PAD, Seq2SeqConfig, build_vocab, encode_sources, encode_targets, pair_batches

    # 1. the same numbers as the reference, with padded rows
    generator = torch.Generator().manual_seed(0)
    query, memory = torch.randn(4, 6, generator=generator), torch.randn(4, 9, 12, generator=generator)
    W = torch.randn(6, 12, generator=generator)
    mask = torch.arange(9)[None, :] < torch.tensor([9, 5, 1, 7])[:, None]  # (4, 9): rows of 9, 5, 1 and 7 words
    got = answer(query, memory, mask, W)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return False
    try:
        for mine, reference in zip(got, _luong_reference(query, memory, mask, W)):
            torch.testing.assert_close(torch.as_tensor(mine), reference)
    except (AssertionError, TypeError, ValueError):
        return False

    # 2. inside the headline writer, 40 steps of training take the loss well below the unigram entropy of headline words
    corpus = summary_documents(400, 10, seed=0)
    src_vocab = build_vocab([d.text.lower().split() for d in corpus.train])
    tgt_vocab = build_vocab([d.headline.lower().split() for d in corpus.train])
    src = encode_sources([d.text.lower().split() for d in corpus.train], src_vocab)
    tgt = encode_targets([d.headline.lower().split() for d in corpus.train], tgt_vocab)
    entropy = unigram_entropy(tgt[:, 1:][tgt[:, 1:] != PAD])
    with runtime.threads(1):
        torch.manual_seed(0)
        model = _seq2seq_with(answer)(Seq2SeqConfig(len(src_vocab), len(tgt_vocab), emb=32, hidden=64))
        history = train.fit(model, pair_batches(src, tgt, 32), steps=40, lr=1e-2, warmup=4, device="cpu",
                            progress=False, log_every=10)
    return history.final_loss < entropy - 0.5
