"""Named entities and segmentation: the CRF against brute-force enumeration, entity-level scores
on hand-worked cases, and a BiLSTM tagger (with and without a CRF) that must learn."""
from __future__ import annotations

import random

import pytest
import torch

from aigc_lab import runtime, train
from aigc_lab.data.image import shuffled_batches
from aigc_lab.data.text import BIO_TAGS, bmes_tags, chinese_segmentation, entity_sentences
from aigc_lab.text import crf
from aigc_lab.text.bilstm_crf import BiLSTMTagger, TaggerConfig, decode
from aigc_lab.text.bow import Vocabulary, encode_padded
from aigc_lab.text.entity_metrics import (bio_spans, bmes_spans, entity_scores, invalid_bio_transitions,
                                          span_scores)


def _random_crf(K, seed):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(K, K, generator=g, dtype=torch.float64), torch.randn(K, generator=g, dtype=torch.float64),
            torch.randn(K, generator=g, dtype=torch.float64))


# --------------------------------------------------------------------------- CRF against brute force
@pytest.mark.parametrize("T,K", [(1, 3), (2, 2), (3, 4), (5, 3), (4, 5)])
def test_forward_algorithm_and_viterbi_match_brute_force(T, K):
    params = _random_crf(K, seed=T * 10 + K)
    emissions = torch.randn(T, K, dtype=torch.float64, generator=torch.Generator().manual_seed(K))
    log_z, best = crf.brute_force(emissions, *params)
    mask = torch.ones(1, T, dtype=torch.bool)
    assert torch.allclose(crf.log_partition(emissions[None], mask, *params)[0], log_z, atol=1e-10)
    assert crf.viterbi_decode(emissions[None], mask, *params) == [best]


def test_padded_batch_gives_each_sequence_its_own_answer():
    K, T = 3, 5
    params = _random_crf(K, seed=1)
    lengths = [5, 2, 1, 4]
    emissions = torch.randn(len(lengths), T, K, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    mask = torch.arange(T)[None] < torch.tensor(lengths)[:, None]
    log_z = crf.log_partition(emissions, mask, *params)
    paths = crf.viterbi_decode(emissions, mask, *params)
    for b, n in enumerate(lengths):
        ref_z, ref_path = crf.brute_force(emissions[b, :n], *params)
        assert torch.allclose(log_z[b], ref_z, atol=1e-10)
        assert paths[b] == ref_path and len(paths[b]) == n


def test_path_score_is_the_sum_written_out_and_probabilities_sum_to_one():
    K, T = 3, 3
    transitions, start, end = _random_crf(K, seed=5)
    e = torch.randn(T, K, dtype=torch.float64, generator=torch.Generator().manual_seed(6))
    y = [2, 0, 1]
    by_hand = start[2] + e[0, 2] + transitions[2, 0] + e[1, 0] + transitions[0, 1] + e[2, 1] + end[1]
    mine = crf.path_score(e[None], torch.tensor([y]), torch.ones(1, T, dtype=torch.bool), transitions, start, end)
    assert torch.allclose(mine[0], by_hand)
    log_z, _ = crf.brute_force(e, transitions, start, end)
    layer = crf.CRF(K).double()
    with torch.no_grad():
        layer.transitions.copy_(transitions), layer.start.copy_(start), layer.end.copy_(end)
    nll = layer.neg_log_likelihood(e[None], torch.tensor([y]), torch.ones(1, T, dtype=torch.bool))
    assert torch.allclose(nll, (log_z - by_hand).float().double(), atol=1e-5)


def test_crf_gradient_matches_autograd_through_brute_force():
    K, T = 3, 4
    params = [p.requires_grad_(True) for p in _random_crf(K, seed=7)]
    e = torch.randn(1, T, K, dtype=torch.float64, generator=torch.Generator().manual_seed(8))
    mask = torch.ones(1, T, dtype=torch.bool)
    g_forward = torch.autograd.grad(crf.log_partition(e, mask, *params).sum(), params)
    g_brute = torch.autograd.grad(crf.brute_force(e[0], *params)[0], params)
    assert all(torch.allclose(a, b, atol=1e-10) for a, b in zip(g_forward, g_brute))


# --------------------------------------------------------------------------- entity-level scores, worked by hand
def test_bio_spans_read_the_conll_way():
    assert bio_spans(["B-PER", "I-PER", "O", "B-LOC"]) == {(0, 2, "PER"), (3, 4, "LOC")}
    assert bio_spans(["B-PER", "B-PER", "I-PER"]) == {(0, 1, "PER"), (1, 3, "PER")}      # B starts anew
    assert bio_spans(["O", "I-ORG", "I-ORG", "O"]) == {(1, 3, "ORG")}                     # stray I starts one
    assert bio_spans(["B-PER", "I-LOC"]) == {(0, 1, "PER"), (1, 2, "LOC")}                # type change
    assert bio_spans(["O", "O"]) == set() and bio_spans([]) == set()
    assert invalid_bio_transitions(["O", "I-ORG", "I-ORG", "B-PER", "I-LOC"]) == 2


def test_entity_scores_worked_example():
    # gold: "Alice Smith flew to New York" -> PER (0, 2), LOC (4, 6)
    gold = [["B-PER", "I-PER", "O", "O", "B-LOC", "I-LOC"], ["B-ORG", "O", "B-DATE"]]
    # sentence 1: PER right; LOC cut short (4, 5) -> 1 FP and 1 FN
    # sentence 2: ORG right; DATE called LOC -> 1 FP and 1 FN; an extra PER at 1 -> 1 FP
    pred = [["B-PER", "I-PER", "O", "O", "B-LOC", "O"], ["B-ORG", "B-PER", "B-LOC"]]
    s = entity_scores(gold, pred)
    assert (s.tp, s.fp, s.fn) == (2, 3, 2)
    assert s.precision == pytest.approx(2 / 5) and s.recall == pytest.approx(2 / 4)
    assert s.f1 == pytest.approx(2 * 0.4 * 0.5 / 0.9)
    assert (s.per_type["LOC"].fp, s.per_type["LOC"].fn, s.per_type["DATE"].fn) == (2, 1, 1)
    assert entity_scores(gold, gold).f1 == 1.0
    assert entity_scores([["O"]], [["O"]]).f1 == 0.0          # nothing to find, nothing found: 0/0 -> 0
    with pytest.raises(ValueError):
        entity_scores([["O", "O"]], [["O"]])


def random_bio_sentences(seed: int, n: int = 20):
    """Gold and predicted BIO tags with every kind of slip: stray I- after O or at the start, I- of another type,
    B- inside an entity, empty sentences, sentences with no entity, a type only predicted (MISC)."""
    rng = random.Random(seed)
    tags = ["O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]
    gold = [[rng.choice(tags) for _ in range(rng.randint(0, 9))] for _ in range(n)]
    pred = [[t if rng.random() < 0.6 else rng.choice(tags + ["B-MISC", "I-MISC"]) for t in g] for g in gold]
    return gold, pred


@pytest.mark.parametrize("seed", range(6))
def test_entity_scores_match_seqeval(seed):
    """seqeval's default mode reads BIO as conlleval does: the same entities, micro scores and per-type scores."""
    seqeval = pytest.importorskip("seqeval.metrics")                  # in requirements.txt (tests only)
    from seqeval.metrics.sequence_labeling import get_entities

    gold, pred = random_bio_sentences(seed)
    for tags in gold + pred:
        assert bio_spans(tags) == {(start, end + 1, kind) for kind, start, end in get_entities(tags)}
    ours = entity_scores(gold, pred)
    assert ours.precision == pytest.approx(seqeval.precision_score(gold, pred, zero_division=0))
    assert ours.recall == pytest.approx(seqeval.recall_score(gold, pred, zero_division=0))
    assert ours.f1 == pytest.approx(seqeval.f1_score(gold, pred, zero_division=0))
    report = seqeval.classification_report(gold, pred, output_dict=True, zero_division=0)
    types = {k for k in report if not k.endswith(" avg")}
    assert types == set(ours.per_type)
    for kind in types:
        mine = ours.per_type[kind]
        assert (mine.precision, mine.recall, mine.f1) == pytest.approx(
            (report[kind]["precision"], report[kind]["recall"], report[kind]["f1-score"]))
        assert mine.tp + mine.fn == report[kind]["support"]
    # nothing to find and nothing found: 0, as seqeval's zero_division=0
    assert entity_scores([["O"], []], [["O"], []]).f1 == seqeval.f1_score([["O"], []], [["O"], []], zero_division=0)


def test_segmentation_scores_words_as_spans():
    gold = bmes_tags(["我们", "训练", "了", "模型"])            # BEBESBE
    assert bmes_spans(gold) == {(0, 2, "W"), (2, 4, "W"), (4, 5, "W"), (5, 7, "W")}
    pred = "BEBMEBE"                                           # 训练了 as one word: 2 of 3 predicted words right
    s = entity_scores([gold], [pred], scheme="BMES")
    assert (s.tp, s.fp, s.fn) == (2, 1, 2)
    assert span_scores([{(0, 1, "W")}], [set()]).recall == 0.0


# --------------------------------------------------------------------------- the tagger
def _encoded(sentences, vocab, tag_index, width=None):
    ids = encode_padded([s.tokens for s in sentences], vocab, width)
    tags = torch.zeros_like(ids)
    for row, s in enumerate(sentences):
        tags[row, :len(s.tags)] = torch.tensor([tag_index[t] for t in s.tags])
    return ids, tags


@pytest.mark.parametrize("use_crf", [False, True])
def test_bilstm_tagger_learns_entities(use_crf):
    runtime.seed_everything(0)
    torch.set_num_threads(1)
    corpus = entity_sentences(300, 100, seed=3)
    vocab = Vocabulary.build([s.tokens for s in corpus.train])
    tag_index = {t: i for i, t in enumerate(BIO_TAGS)}
    x, y = _encoded(corpus.train, vocab, tag_index)
    model = BiLSTMTagger(TaggerConfig(len(vocab), len(BIO_TAGS), use_crf=use_crf))
    history = train.fit(model, shuffled_batches(x, y, 32), steps=80, lr=1e-2, progress=False)
    assert history.train_loss[-1] < history.train_loss[0] / 3
    x_test, _ = _encoded(corpus.test, vocab, tag_index)
    paths = decode(model, x_test)
    assert [len(p) for p in paths] == [len(s.tokens) for s in corpus.test]
    predicted = [[BIO_TAGS[i] for i in p] for p in paths]
    assert entity_scores([s.tags for s in corpus.test], predicted).f1 > 0.8


def test_tagger_handles_characters_with_bmes_and_autocast_on_cpu():
    corpus = chinese_segmentation(50, 10, seed=0)
    chars = Vocabulary.build([list(s.text) for s in corpus.train])
    ids = encode_padded([list(s.text) for s in corpus.train[:4]], chars)
    model = BiLSTMTagger(TaggerConfig(len(chars), 4, use_crf=True, word_dropout=0.1))
    tags = torch.zeros_like(ids)
    with runtime.autocast("cpu", enabled=True):
        loss = model.loss((ids, tags))
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    assert [len(p) for p in decode(model, ids)] == [len(s.text) for s in corpus.train[:4]]


@pytest.mark.parametrize("use_crf", [False, True])
def test_tagger_rejects_an_all_padding_row_by_name(use_crf):
    """A sentence with no token cannot be packed for the LSTM (nor scored by the CRF): say which row it is."""
    torch.manual_seed(0)
    model = BiLSTMTagger(TaggerConfig(10, 4, use_crf=use_crf))
    ids = torch.tensor([[3, 4, 5], [0, 0, 0], [6, 0, 0]])
    tags = torch.tensor([[1, 2, 0], [0, 0, 0], [3, 0, 0]])
    with pytest.raises(ValueError, match=r"row 1 .*all padding"):
        model.loss((ids, tags))
    with pytest.raises(ValueError, match=r"row 1 .*all padding"):
        decode(model, ids)
    assert torch.isfinite(model.loss((ids[[0, 2]], tags[[0, 2]])))
