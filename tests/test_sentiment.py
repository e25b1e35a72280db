"""word2vec, GloVe and the word-vector helpers: losses against their formulas, counts against brute force,
probes on hand-made vectors, and tiny training runs that must learn."""
import math

import pytest
import torch
import torch.nn.functional as F

from aigc_lab import train
from aigc_lab.text.bow import Vocabulary
from aigc_lab.text.glove import CooccurrenceBatches, GloVe, GloVeConfig, cooccurrence, glove_weight
from aigc_lab.text.word2vec import SkipGram, SkipGramBatches, Word2VecConfig, skipgram_pairs, subsample_frequent
from aigc_lab.text.word_vectors import analogy, nearest, semantic_direction, sentence_vectors, sif_weights



# --------------------------------------------------------------------------- word2vec
def test_skipgram_pairs_match_brute_force():
    sentences = [[1, 2, 3, 4, 5], [6, 7], [8]]
    for window in (1, 2, 4):
        expected = sorted((s[i], s[j]) for s in sentences for i in range(len(s)) for j in range(len(s))
                          if i != j and abs(i - j) <= window)
        assert sorted(map(tuple, skipgram_pairs(sentences, window).tolist())) == expected
    assert skipgram_pairs([[3]], 2).shape == (0, 2)


def test_negative_sampling_loss_is_binary_cross_entropy():
    torch.manual_seed(0)
    model = SkipGram(Word2VecConfig(vocab_size=12, dim=4, negatives=3))
    torch.nn.init.normal_(model.context.weight)   # word2vec starts the context vectors at zero
    centre, context = torch.tensor([1, 5, 7]), torch.tensor([2, 2, 9])
    negatives = torch.tensor([[3, 4, 0], [1, 1, 8], [10, 11, 6]])
    v, u = model.centre.weight, model.context.weight
    logits = torch.cat([(v[centre] * u[context]).sum(-1, keepdim=True),
                        torch.einsum("bd,bkd->bk", v[centre], u[negatives])], 1)          # (B, 1 + K)
    labels = torch.cat([torch.ones(3, 1), torch.zeros(3, 3)], 1)
    reference = F.binary_cross_entropy_with_logits(logits, labels, reduction="none").sum(1).mean()
    assert torch.allclose(model.loss((centre, context, negatives)), reference, atol=1e-6)
    fresh = SkipGram(Word2VecConfig(vocab_size=12, dim=4, negatives=3))
    assert math.isclose(fresh.loss((centre, context, negatives)).item(), 4 * math.log(2), rel_tol=1e-5)


def test_subsampling_drops_frequent_words_only():
    sentences = [[1] * 50 + [2, 3]] * 20
    counts = [0, 1000, 20, 20]
    kept = subsample_frequent(sentences, counts, t=1e-2, seed=0)
    ones = sum(int((s == 1).sum()) for s in kept)
    assert ones < 0.5 * 1000 and all(int((s == 2).sum()) == 1 and int((s == 3).sum()) == 1 for s in kept)
    assert [s.tolist() for s in kept] == [s.tolist() for s in subsample_frequent(sentences, counts, t=1e-2, seed=0)]


def test_skipgram_batches_shapes_and_noise_distribution():
    pairs = torch.tensor([[1, 2], [2, 1], [3, 4]])
    batches = SkipGramBatches(pairs, [0, 0, 10, 10, 80], batch=4000, negatives=2, seed=0)
    centre, context, negatives = batches()
    assert centre.shape == context.shape == (4000,) and negatives.shape == (4000, 2)
    share = (negatives == 4).float().mean().item()
    expected = 80 ** 0.75 / (2 * 10 ** 0.75 + 80 ** 0.75)
    assert abs(share - expected) < 0.03 and not (negatives < 2).any()
    with pytest.raises(ValueError):
        SkipGramBatches(torch.zeros(0, 2, dtype=torch.long), [1, 1])


def test_word2vec_learns_which_words_share_contexts(one_thread):
    torch.manual_seed(0)
    # words 2-4 always appear with 5-6, words 7-9 always with 10-11
    generator = torch.Generator().manual_seed(0)
    sentences = []
    for _ in range(400):
        group = [2, 3, 4, 5, 6] if torch.rand(1, generator=generator) < 0.5 else [7, 8, 9, 10, 11]
        sentences.append([group[i] for i in torch.randint(5, (6,), generator=generator)])
    counts = torch.bincount(torch.tensor(sum(sentences, [])), minlength=12).tolist()
    model = SkipGram(Word2VecConfig(vocab_size=12, dim=8))
    train.fit(model, SkipGramBatches(skipgram_pairs(sentences, 2), counts, batch=256), steps=300, lr=2e-2,
              progress=False)
    v = F.normalize(model.vectors(), dim=1)
    assert (v[2] @ v[3]) > 0.5 > (v[2] @ v[8])


# --------------------------------------------------------------------------- GloVe
def test_cooccurrence_matches_brute_force():
    sentences = [[1, 2, 3, 1], [2, 4], [4]]
    for window in (1, 3):
        expected = torch.zeros(5, 5)
        for s in sentences:
            for i in range(len(s)):
                for j in range(len(s)):
                    if i != j and abs(i - j) <= window:
                        expected[s[i], s[j]] += 1.0 / abs(i - j)
        X = cooccurrence(sentences, 5, window)
        assert torch.allclose(X, expected) and torch.allclose(X, X.T)
    unweighted = cooccurrence(sentences, 5, 3, distance_weighting=False)
    assert unweighted[1, 1] == 2   # the two 1s, three apart, in both directions


def test_glove_weight_function():
    x = torch.tensor([1.0, 50.0, 100.0, 400.0])
    assert torch.allclose(glove_weight(x), torch.tensor([0.01 ** 0.75, 0.5 ** 0.75, 1.0, 1.0]))


def test_glove_loss_matches_eq_8():
    torch.manual_seed(0)
    model = GloVe(GloVeConfig(vocab_size=6, dim=3, x_max=10.0))
    for p in model.parameters():
        torch.nn.init.normal_(p)
    i, j, x = torch.tensor([0, 1, 5]), torch.tensor([2, 2, 3]), torch.tensor([1.0, 4.0, 30.0])
    total = 0.0
    for a, b, c in zip(i.tolist(), j.tolist(), x.tolist()):
        pred = model.w.weight[a] @ model.w_tilde.weight[b] + model.b.weight[a, 0] + model.b_tilde.weight[b, 0]
        total += min(1.0, (c / 10.0) ** 0.75) * (pred - math.log(c)) ** 2
    assert torch.allclose(model.loss((i, j, x)), total / 3, atol=1e-5)


def test_glove_fits_log_counts(one_thread):
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    a, b = torch.rand(8, 2, generator=generator), torch.rand(8, 2, generator=generator)
    X = torch.exp(a @ b.T + 1.0)                    # a rank-2 log-count matrix that GloVe can fit exactly
    model = GloVe(GloVeConfig(vocab_size=8, dim=4, x_max=1.0))
    history = train.fit(model, CooccurrenceBatches(X, batch=64), steps=600, lr=5e-2, progress=False)
    assert history.final_loss < 1e-3
    assert model.vectors().shape == (8, 4)
    with pytest.raises(ValueError):
        CooccurrenceBatches(torch.zeros(3, 3))


# --------------------------------------------------------------------------- probes and sentence vectors
def _toy():
    vocab = Vocabulary.build([["man"] * 4 + ["woman"] * 3 + ["king"] * 2 + ["queen", "apple"]])
    vectors = torch.zeros(len(vocab), 3)
    table = {"man": [1, 0, 0], "woman": [1, 1, 0], "king": [1, 0, 1], "queen": [1, 1, 1], "apple": [0, 0, -1]}
    for w, v in table.items():
        vectors[vocab.id(w)] = torch.tensor(v, dtype=torch.float)
    return vectors, vocab


def test_nearest_and_analogy_on_hand_made_vectors():
    vectors, vocab = _toy()
    assert nearest(vectors, vocab, "king", 1)[0][0] in {"queen", "man"}
    assert all(w != "king" for w, _ in nearest(vectors, vocab, "king", 4))
    assert analogy(vectors, vocab, "man", "king", "woman")[0][0] == "queen"
    with pytest.raises(KeyError):
        nearest(vectors, vocab, "unicorn")


def test_sentence_vectors_average_and_weighting():
    vectors, vocab = _toy()
    out = sentence_vectors([["man", "king", "unknown"], []], vectors, vocab)
    assert torch.allclose(out[0], (vectors[vocab.id("man")] + vectors[vocab.id("king")]) / 2)
    assert torch.allclose(out[1], torch.zeros(3))
    weights = sif_weights(vocab, a=0.1)
    p = {w: c / 11 for w, c in vocab.counts.items()}
    assert math.isclose(float(weights[vocab.id("man")]), 0.1 / (0.1 + p["man"]), rel_tol=1e-6)
    weighted = sentence_vectors([["man", "apple"]], vectors, vocab, weights=weights)[0]
    wm, wa = 0.1 / (0.1 + p["man"]), 0.1 / (0.1 + p["apple"])
    expected = (wm * vectors[vocab.id("man")] + wa * vectors[vocab.id("apple")]) / (wm + wa)
    assert torch.allclose(weighted, expected, atol=1e-6)
    cleaned = sentence_vectors([["man"], ["king"], ["queen"], ["apple"]], vectors, vocab, remove_first_component=True)
    u = torch.linalg.svd(sentence_vectors([["man"], ["king"], ["queen"], ["apple"]], vectors, vocab),
                         full_matrices=False).Vh[0]
    assert torch.allclose(cleaned @ u, torch.zeros(4), atol=1e-5)


def test_semantic_direction():
    vectors, vocab = _toy()
    direction = semantic_direction(vectors, vocab, ["queen", "woman"], ["king", "man"])
    assert math.isclose(direction.norm().item(), 1.0, rel_tol=1e-6)
    assert direction[1] > 0.9   # the axis that separates the two groups
