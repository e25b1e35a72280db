"""Checks for the exercises of notebooks/02_text/04_translation.

Each check compares the learner's function with what the package or a library
computes on data made up here: IBM Model 1's alignment posterior from
``aigc_lab.text.alignment``, BLEU's brevity penalty from ``sacrebleu``, and a Transformer
encoder layer against ``aigc_lab.text.transformer_mt.EncoderLayer`` (then trained inside the
model).  The notebook never holds the answer.  (02_text.04.c, one beam-search step, is retired:
the notebook now writes beam search on screen.)
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


@exercise("02_text.04.d", kind="function",
          hint="Follow the on-screen decoder layer of section 5, without the cross-attention and without the causal mask: "
               "x + self-attention(ln1(x)) in which every query may look at every real source word (src_pad True means "
               "padding: weight 0), then x + feed-forward(ln2(x)). Return the new x (B, S, d).")
def _encoder_layer(answer) -> bool:
    from .. import train
    from ..data.text import parallel_corpus, unigram_entropy
    from ..text.seq2seq import PAD, build_vocab, encode_sources, encode_targets, pair_batches
    from ..text.transformer_mt import EncoderLayer, TransformerMT, TransformerMTConfig

    # 1. the same numbers as the package's layer (eval mode: no dropout), on padded rows
    torch.manual_seed(0)
    layer = EncoderLayer(TransformerMTConfig(10, 10, d_model=16, n_heads=4, d_ff=32)).eval()
    x = torch.randn(3, 7, 16)
    src_pad = torch.arange(7)[None, :] >= torch.tensor([7, 4, 2])[:, None]    # (3, 7): rows of 7, 4 and 2 words
    try:
        with torch.no_grad():
            torch.testing.assert_close(torch.as_tensor(answer(layer, x, src_pad)), layer(x, src_pad))
    except (AssertionError, TypeError, ValueError):
        return False

    # 2. inside the Transformer in place of every encoder layer, 40 steps of training take the loss well below
    #    the unigram entropy of target words
    corpus = parallel_corpus("invented", n_train=600, n_test=5, seed=1)
    src_vocab = build_vocab([p.source_tokens for p in corpus.train])
    tgt_vocab = build_vocab([p.target_tokens for p in corpus.train])
    src = encode_sources([p.source_tokens for p in corpus.train], src_vocab)
    tgt = encode_targets([p.target_tokens for p in corpus.train], tgt_vocab)
    entropy = unigram_entropy(tgt[:, 1:][tgt[:, 1:] != PAD])
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(0)
        model = TransformerMT(TransformerMTConfig(len(src_vocab), len(tgt_vocab), d_model=32, n_heads=4, d_ff=64,
                                                  dropout=0.0))
        for layer in model.encoder:
            layer.forward = lambda x, pad, layer=layer: answer(layer, x, pad)
        history = train.fit(model, pair_batches(src, tgt, 32), steps=40, lr=5e-3, warmup=4, device="cpu",
                            progress=False, log_every=10)
    finally:
        torch.set_num_threads(threads)
    return history.final_loss < entropy - 0.5
