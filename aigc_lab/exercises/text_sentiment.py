"""Checks for the exercises of notebooks/02_text/05_sentiment.

Each check compares the learner's function with the package's own
(``glove.glove_weight``, ``word_vectors.analogy``, ``word_vectors.sentence_vectors``,
``glove.GloVe.loss``) on vectors and vocabularies made up here, so the notebook never holds the
answer; the GloVe loss is then trained briefly.
"""
from __future__ import annotations

from collections import Counter

import torch

from ..text import glove, word_vectors
from ..text.bow import Vocabulary
from . import exercise


def _toy_vectors(seed: int = 0) -> tuple[torch.Tensor, Vocabulary]:
    words = ["the", "a", "was", "good", "bad", "soup", "room", "waiter", "receptionist", "restaurant", "hotel",
             "king", "queen", "man", "woman"]
    counts = Counter({w: 1000 // (i + 1) for i, w in enumerate(words)})
    vocab = Vocabulary.build([[w] * counts[w] for w in words])
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(len(vocab), 6, generator=generator, dtype=torch.float64), vocab


@exercise("02_text.05.a", kind="function",
          hint="Divide by x_max, raise to alpha, and cap the result at 1 (torch.clamp or torch.where).")
def _glove_weight(answer) -> bool:
    x = torch.tensor([0.5, 1.0, 3.0, 10.0, 50.0, 99.0, 100.0, 101.0, 1000.0], dtype=torch.float64)
    for x_max, alpha in ((100.0, 0.75), (10.0, 0.5)):
        mine = torch.as_tensor(answer(x.clone(), x_max, alpha), dtype=torch.float64)
        if mine.shape != x.shape or not torch.allclose(mine, glove.glove_weight(x, x_max, alpha), atol=1e-9):
            return False
    return True


@exercise("02_text.05.b", kind="function",
          hint="Normalise the rows first (v / v.norm(dim=1, keepdim=True)), then compare unit(b) - unit(a) + unit(c) "
               "with every row by cosine, and skip a, b, c and ids 0 and 1 before taking the best.")
def _analogy(answer) -> bool:
    vectors, vocab = _toy_vectors(1)
    # make one analogy come out right, so that forgetting to exclude the question words shows
    vectors[vocab.id("receptionist")] = vectors[vocab.id("waiter")] - vectors[vocab.id("restaurant")] + vectors[vocab.id("hotel")]
    questions = [("restaurant", "waiter", "hotel"), ("man", "king", "woman"), ("good", "bad", "soup"),
                 ("the", "a", "was"), ("room", "hotel", "soup")]
    for a, b, c in questions:
        expected = word_vectors.analogy(vectors, vocab, a, b, c, k=1)[0][0]
        if answer(vectors.clone(), vocab, a, b, c) != expected:
            return False
    return True


@exercise("02_text.05.c", kind="function",
          hint="p(w) is the word's count divided by the total of all counts; the result is sum(weight * vector) / sum(weight), "
               "over the tokens that are in the vocabulary only.")
def _weighted_sentence_vector(answer) -> bool:
    vectors, vocab = _toy_vectors(2)
    counts = dict(vocab.counts)
    for tokens in (["the", "soup", "was", "good"], ["a", "waiter", "unknownword", "the", "the"], ["hotel"]):
        for a in (1e-3, 1e-1):
            reference = word_vectors.sentence_vectors([tokens], vectors, vocab,
                                                      weights=word_vectors.sif_weights(vocab, a))[0]
            mine = torch.as_tensor(answer(list(tokens), vectors.clone(), vocab, counts, a), dtype=torch.float64)
            if mine.shape != reference.shape or not torch.allclose(mine, reference, atol=1e-6):
                return False
    return True


@exercise("02_text.05.d", kind="function",
          hint="Follow GloVe's equation in section 5: for each pair, the prediction is w_i . w~_j + b_i + b~_j (the "
               "biases are (V, 1) tables: squeeze them to (B,)); the error is the prediction minus log x; weight each "
               "squared error by f(x) = min(1, x / x_max) ** alpha (model.config.x_max, model.config.alpha) and "
               "return the mean over the batch.")
def _glove_loss(answer) -> bool:
    from .. import train
    from ..data.text import sentiment_sentences
    from ..text.word2vec import subsample_frequent

    # 1. the same loss and the same gradients as the package's GloVe.loss, on random weights
    sentences = [list(s.tokens) for s in sentiment_sentences(800, 0, seed=3).train]
    vocab = Vocabulary.build(sentences)
    counts = [vocab.counts[w] for w in vocab.words]
    X = glove.cooccurrence(subsample_frequent([vocab.encode(t) for t in sentences], counts, 1e-3, seed=0),
                           len(vocab), window=5)
    torch.manual_seed(0)
    model = glove.GloVe(glove.GloVeConfig(vocab_size=len(vocab), dim=16, x_max=20.0, alpha=0.6))
    for table in (model.b, model.b_tilde):
        torch.nn.init.normal_(table.weight, std=0.5)                   # non-zero biases, so that they count
    batch = glove.CooccurrenceBatches(X, batch=512, seed=1)()
    params = [model.w.weight, model.w_tilde.weight, model.b.weight, model.b_tilde.weight]
    mine = answer(model, *batch)
    if not isinstance(mine, torch.Tensor) or mine.shape != ():
        return False
    reference = model.loss(batch)
    try:
        torch.testing.assert_close(mine, reference)
        for a, b in zip(torch.autograd.grad(mine, params, allow_unused=True), torch.autograd.grad(reference, params)):
            if a is None:
                return False
            torch.testing.assert_close(a, b)
    except (AssertionError, TypeError, ValueError):
        return False

    # 2. trained with this loss for 150 steps, the model fits the log counts: the loss falls to a fifth
    model.loss = lambda b: answer(model, *b)
    history = train.fit(model, glove.CooccurrenceBatches(X, batch=1024, seed=0), steps=150, lr=5e-2, warmup=5,
                        device="cpu", progress=False, log_every=10)
    return history.final_loss < history.train_loss[0] / 5
