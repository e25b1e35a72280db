"""Summarisation: ROUGE on hand-worked examples and against the `rouge-score` package,
PageRank against its closed form, TextRank on the generated documents, and the seq2seq model with attention:
its bidirectional encoder ignores padding, step-by-step decoding matches teacher forcing, and it learns a toy task."""
from __future__ import annotations

import math
import random

import numpy as np
import pytest
import torch

from aigc_lab import train
from aigc_lab.data.text import summary_documents
from aigc_lab.text import rouge, textrank
from aigc_lab.text.seq2seq import (BOS, EOS, PAD, Seq2Seq, Seq2SeqConfig, beam_search, build_vocab, encode_sources,
                                   encode_targets, greedy_decode, ids_to_tokens, pair_batches, reverse_padded)


pytestmark = pytest.mark.usefixtures("seeded_one_thread")   # tiny models: one thread, seed 0


# --------------------------------------------------------------------------- ROUGE, worked by hand
def test_rouge_on_a_hand_worked_example():
    # candidate: the cat sat on the mat      reference: the cat was on the mat
    # unigrams: the x2, cat, on, mat are shared -> 5 of 6 on both sides
    # bigrams: (the cat) (on the) (the mat) shared -> 3 of 5 on both sides
    # LCS: the cat on the mat -> 5
    scores = rouge.rouge("the cat sat on the mat", "the cat was on the mat")
    assert scores["rouge1"].precision == pytest.approx(5 / 6) and scores["rouge1"].recall == pytest.approx(5 / 6)
    assert scores["rouge1"].f1 == pytest.approx(5 / 6)
    assert scores["rouge2"].f1 == pytest.approx(3 / 5)
    assert scores["rougeL"].f1 == pytest.approx(5 / 6)


def test_rouge_clips_repeated_words_and_handles_unequal_lengths():
    # "the" three times in the candidate, once in the reference: only one match counts.
    s = rouge.rouge_n("the the the", "the cat", 1)
    assert (s.precision, s.recall) == pytest.approx((1 / 3, 1 / 2))
    assert s.f1 == pytest.approx(2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2))
    # a b c d e against a c e b: the longest common subsequence is a c e (3), not a contiguous run
    assert rouge.lcs_length("a b c d e".split(), "a c e b".split()) == 3
    s = rouge.rouge_l("a b c d e", "a c e b")
    assert (s.precision, s.recall) == pytest.approx((3 / 5, 3 / 4))


def test_rouge_edge_cases():
    assert rouge.rouge_n("", "the cat", 1).f1 == 0.0
    assert rouge.rouge_n("one", "one", 2).f1 == 0.0          # no bigrams at all
    assert rouge.lcs_length([], ["a"]) == 0
    assert rouge.rouge("The Cat", ["the", "cat"])["rougeL"].f1 == 1.0   # strings are lower-cased
    assert rouge.ngrams(["a", "b", "a", "b"], 2) == {("a", "b"): 2, ("b", "a"): 1}
    with pytest.raises(ValueError, match="as many candidates"):
        rouge.corpus_rouge(["a"], ["a", "b"])


class WhiteSpaceTokenizer:
    """rouge-score's tokenizer interface, splitting as aigc_lab.text.rouge does (lower case, white space)."""

    def tokenize(self, text):
        return text.lower().split()


def random_summaries(seed: int, n: int = 40, punctuation: bool = False):
    """Pairs of short texts over a dozen words (repeats, so clipping and LCS ties matter), some empty."""
    rng = random.Random(seed)
    words = "the a cat dog sat ran on under mat log red big".split() + ([",", ".", "cat's"] if punctuation else [])
    text = lambda: " ".join(rng.choice(words) for _ in range(rng.randint(0, 12)))   # noqa: E731
    return [(text(), text()) for _ in range(n)] + [("", "the cat"), ("the cat", ""), ("", "")]


@pytest.mark.parametrize("seed", range(3))
def test_rouge_agrees_with_the_rouge_score_package(seed):
    """Parity with Google's `rouge-score` (installed by `make test`): on lower-case words with its own tokenizer,
    and, where punctuation is about, with its tokenizer swapped for ours (rouge-score drops every character
    other than a-z and 0-9; ours keeps punctuation tokens).  Empty candidates and references score 0."""
    rouge_scorer = pytest.importorskip("rouge_score.rouge_scorer")    # in requirements.txt (tests only)
    scorers = {False: rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=False),
               True: rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], tokenizer=WhiteSpaceTokenizer())}
    for punctuation, scorer in scorers.items():
        for cand, ref in random_summaries(seed, punctuation=punctuation):
            mine, theirs = rouge.rouge(cand, ref), scorer.score(ref, cand)   # rouge-score takes (target, prediction)
            for kind in rouge.ROUGE_TYPES:
                assert mine[kind].precision == pytest.approx(theirs[kind].precision)
                assert mine[kind].recall == pytest.approx(theirs[kind].recall)
                assert mine[kind].f1 == pytest.approx(theirs[kind].fmeasure)


# --------------------------------------------------------------------------- TextRank
def test_overlap_similarity_by_hand():
    a, b = "Acme opened a factory in Lima .", "The factory in Lima makes chips ."
    # content words: acme opened factory lima (4) / factory lima makes chips (4); shared: factory, lima
    assert textrank.overlap_similarity(a, b) == pytest.approx(2 / (math.log(4) + math.log(4)))
    assert textrank.overlap_similarity("the .", b) == 0.0


def test_pagerank_matches_the_closed_form():
    rng = np.random.default_rng(0)
    w = rng.random((6, 6))
    w = (w + w.T) / 2
    np.fill_diagonal(w, 0)
    w[5, :] = w[:, 5] = 0                        # an isolated node: it jumps uniformly
    d, n = 0.85, len(w)
    out = w.sum(1, keepdims=True)
    transition = np.where(out > 0, w / np.where(out > 0, out, 1), 1 / n)
    # the fixed point of r = (1 - d)/n + d T^T r solves (I - d T^T) r = (1 - d)/n
    exact = np.linalg.solve(np.eye(n) - d * transition.T, np.full(n, (1 - d) / n))
    assert np.allclose(textrank.pagerank(w, d), exact, atol=1e-9)
    assert textrank.pagerank(w).sum() == pytest.approx(1.0)


def test_textrank_finds_the_key_sentence_more_often_than_the_lead_baseline():
    docs = summary_documents(10, 60, seed=3).test
    found = np.mean([textrank.textrank(d.sentences)[0] == d.key_index for d in docs])
    lead = np.mean([d.key_index == 0 for d in docs])
    assert found >= 0.8 and found > lead + 0.3
    d = docs[0]
    ranked = textrank.textrank(d.sentences)
    assert sorted(ranked) == list(range(len(d.sentences)))
    assert textrank.extract(d.sentences, ranked, 2) == [d.sentences[i] for i in sorted(ranked[:2])]
    assert textrank.lead(d.sentences, 2) == list(d.sentences[:2])


# --------------------------------------------------------------------------- seq2seq with attention
def _toy_model(vocab=12, **kw):
    return Seq2Seq(Seq2SeqConfig(vocab, vocab, emb=16, hidden=24, dropout=0.0, **kw))


def test_reverse_padded_reverses_only_the_real_tokens():
    x = torch.tensor([[5, 6, 7, 0], [8, 9, 0, 0]])
    lengths = torch.tensor([3, 2])
    assert reverse_padded(x, lengths).tolist() == [[7, 6, 5, 0], [9, 8, 0, 0]]
    feats = torch.randn(2, 4, 3)
    assert torch.equal(reverse_padded(reverse_padded(feats, lengths), lengths), feats)


def test_padding_does_not_change_the_encoding_or_the_output():
    model = _toy_model().eval()
    short = torch.tensor([[4, 5, 6, 7]])
    padded = torch.tensor([[4, 5, 6, 7, PAD, PAD, PAD]])
    tgt_in = torch.tensor([[BOS, 5, 6]])
    with torch.no_grad():
        a, b = model.start(short), model.start(padded)
        assert torch.allclose(a["memory"], b["memory"][:, :4], atol=1e-6)
        assert torch.allclose(a["hidden"], b["hidden"], atol=1e-6)
        la, wa = model(short, tgt_in)
        lb, wb = model(padded, tgt_in)
    assert torch.allclose(la, lb, atol=1e-5)
    assert torch.allclose(wb[..., 4:], torch.zeros_like(wb[..., 4:]))      # no attention on pads
    assert torch.allclose(wa.sum(-1), torch.ones(1, 3), atol=1e-6)


def test_step_by_step_decoding_matches_teacher_forcing():
    model = _toy_model().eval()
    src = torch.tensor([[4, 5, 6, 0], [7, 8, 9, 10]])
    tgt_in = torch.tensor([[BOS, 6, 5], [BOS, 10, 9]])
    with torch.no_grad():
        logits, _ = model(src, tgt_in)
        state = model.start(src)
        for t in range(3):
            step_logits, state, _ = model.step(state, tgt_in[:, t])
            assert torch.allclose(step_logits, logits[:, t], atol=1e-5)


def test_vocab_and_encoding_round_trip():
    vocab = build_vocab([["a", "b"], ["b", "c"]])
    assert vocab.words[:4] == ["<pad>", "<unk>", "<bos>", "<eos>"]
    tgt = encode_targets([["b", "a"], ["c"]], vocab)
    assert tgt[0, 0] == BOS and tgt[0, 3] == EOS and tgt[1, 3] == PAD
    assert ids_to_tokens(tgt[0], vocab) == ["b", "a"]
    assert encode_sources([["a", "zzz"]], vocab).tolist() == [[vocab.id("a"), 1]]


def _reversal_data(n: int, seed: int):
    g = torch.Generator().manual_seed(seed)
    rows_src, rows_tgt = [], []
    for _ in range(n):
        length = int(torch.randint(2, 6, (1,), generator=g))
        seq = torch.randint(4, 12, (length,), generator=g).tolist()
        rows_src.append(seq + [PAD] * (5 - length))
        rows_tgt.append([BOS] + seq[::-1] + [EOS] + [PAD] * (5 - length))
    return torch.tensor(rows_src), torch.tensor(rows_tgt)


@pytest.mark.slow
def test_seq2seq_learns_to_reverse_and_beam_one_equals_greedy():
    src, tgt = _reversal_data(512, 0)
    test_src, test_tgt = _reversal_data(64, 1)
    model = _toy_model()
    train.fit(model, pair_batches(src, tgt, 32), steps=150, lr=1e-2, warmup=20, device="cpu", progress=False)
    tokens, attention = greedy_decode(model, test_src)
    right = np.mean([t == [i for i in row[1:].tolist() if i not in (PAD, EOS)] for t, row in zip(tokens, test_tgt)])
    assert right > 0.8, f"only {right:.0%} of reversals exact"
    assert attention[0].shape[1] == test_src.shape[1]
    for i in range(5):
        row = test_src[i][test_src[i] != PAD]
        ids, attn = beam_search(model, row, beam=1)
        greedy_ids, _ = greedy_decode(model, row[None])
        assert ids == greedy_ids[0]
        assert attn.shape == (len(ids) + 1, len(row))
        wide, _ = beam_search(model, row, beam=4)
        assert all(isinstance(t, int) for t in wide)
