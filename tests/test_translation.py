"""Translation: IBM Model 1 (one vectorised EM step against a plain loop, the likelihood never falls, a textbook toy
corpus aligns), the Transformer's attention against nn.MultiheadAttention, its causality and incremental decoding,
a tiny training run, and BLEU through sacrebleu."""
from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
import torch
import torch.nn as nn

from aigc_lab import train
from aigc_lab.data.text import parallel_corpus
from aigc_lab.text import alignment
from aigc_lab.text.seq2seq import BOS, EOS, PAD, beam_search, greedy_decode, pair_batches
from aigc_lab.text.transformer_mt import MultiHeadAttention, TransformerMT, TransformerMTConfig

TOY = [("the house".split(), "das haus".split()), ("the book".split(), "das buch".split()),
       ("a book".split(), "ein buch".split())]          # the classic example of Koehn's textbook, chapter 4


pytestmark = pytest.mark.usefixtures("seeded_one_thread")   # tiny models: one thread, seed 0


# --------------------------------------------------------------------------- IBM Model 1
def _em_by_loops(pairs, iterations):
    """IBM Model 1 written with dictionaries and loops, straight from the equations."""
    targets = {f for _, tgt in pairs for f in tgt}
    t = defaultdict(lambda: 1.0 / len(targets))             # t[(f, e)], uniform to begin with
    for _ in range(iterations):
        count, total = defaultdict(float), defaultdict(float)
        for src, tgt in pairs:
            src = [alignment.NULL] + src
            for f in tgt:
                norm = sum(t[(f, e)] for e in src)
                for e in src:
                    count[(f, e)] += t[(f, e)] / norm
                    total[e] += t[(f, e)] / norm
        t = defaultdict(float, {(f, e): c / total[e] for (f, e), c in count.items()})
    return t


def test_vectorised_em_matches_the_loop_version():
    pairs = [(p.source_tokens, p.target_tokens) for p in parallel_corpus("invented", 60, 1, seed=1).train]
    model = alignment.train_ibm1(pairs, iterations=3)
    reference = _em_by_loops(pairs, 3)
    for e in model.source_words:
        for f in model.target_words:
            assert model.prob(f, e) == pytest.approx(reference[(f, e)], abs=1e-12)
    assert np.allclose(model.t.sum(axis=1), 1.0)


def test_em_never_lowers_the_likelihood_and_aligns_the_toy_corpus():
    model = alignment.train_ibm1(TOY, iterations=10)
    ll = model.log_likelihood
    assert all(b >= a - 1e-9 for a, b in zip(ll, ll[1:])) and ll[-1] > ll[0]
    assert model.best("house")[0][0] == "haus" and model.best("book")[0][0] == "buch"
    assert model.best("the")[0][0] == "das" and model.best("a")[0][0] == "ein"
    assert alignment.viterbi_alignment(model, "the house".split(), "das haus".split()) == [1, 2]
    posterior = alignment.alignment_matrix(model, "the house".split(), "das haus".split())
    assert posterior.shape == (2, 3) and np.allclose(posterior.sum(1), 1)


def test_word_table_and_the_dictionary_baseline():
    model = alignment.train_ibm1(TOY, iterations=10)
    table = alignment.word_table(model, TOY)
    assert table == {"the": "das", "house": "haus", "book": "buch", "a": "ein"}
    assert alignment.translate_word_by_word("a house and the book".split(), table) == ["ein", "haus", "das", "buch"]
    with pytest.raises(ValueError, match="at least one"):
        alignment.train_ibm1([])


# --------------------------------------------------------------------------- attention parity
def _copy_into_library(mine: MultiHeadAttention, d: int, heads: int) -> nn.MultiheadAttention:
    lib = nn.MultiheadAttention(d, heads, batch_first=True)
    with torch.no_grad():
        lib.in_proj_weight.copy_(torch.cat([mine.q.weight, mine.k.weight, mine.v.weight]))
        lib.in_proj_bias.copy_(torch.cat([mine.q.bias, mine.k.bias, mine.v.bias]))
        lib.out_proj.weight.copy_(mine.proj.weight)
        lib.out_proj.bias.copy_(mine.proj.bias)
    return lib.eval()


@pytest.mark.parametrize("need_weights", [False, True])
def test_attention_matches_nn_multiheadattention(need_weights):
    d, heads = 16, 4
    mine = MultiHeadAttention(d, heads).eval()
    lib = _copy_into_library(mine, d, heads)
    q, kv = torch.randn(3, 5, d), torch.randn(3, 7, d)
    pad = torch.zeros(3, 7, dtype=torch.bool)
    pad[0, 5:] = pad[2, 3:] = True
    with torch.no_grad():
        out, w = mine(q, kv, kv, key_padding_mask=pad, need_weights=need_weights)
        ref, ref_w = lib(q, kv, kv, key_padding_mask=pad, need_weights=True, average_attn_weights=False)
        assert torch.allclose(out, ref, atol=1e-5)
        if need_weights:
            assert torch.allclose(w, ref_w, atol=1e-6)
        # causal self-attention against an explicit float mask
        x = torch.randn(2, 6, d)
        out, _ = mine(x, x, x, causal=True, need_weights=need_weights)
        ref, _ = lib(x, x, x, attn_mask=nn.Transformer.generate_square_subsequent_mask(6))
        assert torch.allclose(out, ref, atol=1e-5)


def _toy_transformer(vocab=12):
    return TransformerMT(TransformerMTConfig(vocab, vocab, d_model=32, n_heads=4, n_layers=2, d_ff=64, dropout=0.0))


def test_transformer_is_causal_and_its_incremental_decoding_matches():
    model = _toy_transformer().eval()
    src = torch.tensor([[4, 5, 6, PAD], [7, 8, 9, 10]])
    tgt = torch.tensor([[BOS, 6, 5, 4], [BOS, 10, 9, 8]])
    changed = tgt.clone()
    changed[:, 3] = 11                                       # change only the last input token
    with torch.no_grad():
        logits, _ = model(src, tgt)
        logits2, _ = model(src, changed)
        assert torch.allclose(logits[:, :3], logits2[:, :3], atol=1e-5)   # earlier positions cannot see it
        state = model.start(src)
        for t in range(4):
            step_logits, state, weights = model.step(state, tgt[:, t])
            assert torch.allclose(step_logits, logits[:, t], atol=1e-5)
            assert torch.allclose(weights.sum(-1), torch.ones(2), atol=1e-5)
            assert weights[0, 3] == 0                        # no attention on the pad
        # padding the source does not change anything
        padded = torch.cat([src, torch.zeros(2, 3, dtype=torch.long)], dim=1)
        assert torch.allclose(model(padded, tgt)[0], logits, atol=1e-5)
    with pytest.raises(ValueError, match="max_len"):
        model(torch.ones(1, 200, dtype=torch.long), tgt[:1])


def _copy_data(n: int, seed: int):
    g = torch.Generator().manual_seed(seed)
    src = torch.randint(4, 12, (n, 5), generator=g)
    tgt = torch.cat([torch.full((n, 1), BOS), src.flip(1), torch.full((n, 1), EOS)], dim=1)
    return src, tgt


@pytest.mark.slow
def test_transformer_learns_a_toy_task_and_decodes_with_beam_search():
    src, tgt = _copy_data(512, 0)
    test_src, test_tgt = _copy_data(32, 1)
    model = _toy_transformer()
    train.fit(model, pair_batches(src, tgt, 32), steps=200, lr=3e-3, warmup=20, device="cpu", progress=False)
    tokens, attention = greedy_decode(model, test_src)
    right = np.mean([t == row[1:-1].tolist() for t, row in zip(tokens, test_tgt)])
    assert right > 0.8, f"only {right:.0%} exact"
    assert attention[0].shape == (6, 5)
    ids, attn = beam_search(model, test_src[0], beam=3)
    assert ids == test_tgt[0, 1:-1].tolist() and attn.shape == (6, 5)


def test_sacrebleu_scores_the_dictionary_baseline_below_a_perfect_translation():
    sacrebleu = pytest.importorskip("sacrebleu")
    refs = ["varuli tin tiko ruba ko wata", "imba sumeri ko ke"]
    assert sacrebleu.corpus_bleu(refs, [refs]).score == pytest.approx(100.0)
    assert sacrebleu.corpus_bleu(["tin varuli wata ruba tiko", "imba ke sumeri"], [refs]).score < 20


def test_both_models_train_and_decode_under_bf16_autocast():
    """The GPU code path (bf16 autocast in train.fit) runs on the CPU too, before any GPU sees it."""
    from aigc_lab.text.seq2seq import Seq2Seq, Seq2SeqConfig

    src, tgt = _copy_data(64, 2)
    src[:10, 4:] = PAD                                       # some padded rows
    for model in (Seq2Seq(Seq2SeqConfig(12, 12, emb=16, hidden=24)), _toy_transformer()):
        history = train.fit(model, pair_batches(src, tgt, 16), steps=3, amp=True, device="cpu", progress=False)
        assert np.isfinite(history.final_loss)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            tokens, attention = greedy_decode(model, src[:4], max_len=5)
            ids, _ = beam_search(model, src[0], beam=2, max_len=5)
        assert len(tokens) == 4 and attention[0].dtype == torch.float32 and len(ids) <= 5


# --------------------------------------------------------------------------- all-padding sources (issue 17)
def _models_with_an_empty_source():
    from aigc_lab.text.seq2seq import Seq2Seq, Seq2SeqConfig

    torch.manual_seed(0)
    src = torch.tensor([[5, 6, 7], [PAD, PAD, PAD], [8, PAD, PAD]])       # row 1 holds no token at all
    tgt = torch.tensor([[BOS, 5, EOS], [BOS, 6, EOS], [BOS, 7, EOS]])
    return src, tgt, (Seq2Seq(Seq2SeqConfig(12, 12, emb=16, hidden=24)), _toy_transformer())


def test_an_all_padding_source_row_is_rejected_by_name():
    """Attention over a source with no token has nothing to look at (softmax over all -inf: NaN)."""
    src, tgt, models = _models_with_an_empty_source()
    for model in models:
        with pytest.raises(ValueError, match=r"source row 1 .*all padding"):
            model.loss((src, tgt))
        with pytest.raises(ValueError, match=r"source row 1 .*all padding"):
            greedy_decode(model, src, max_len=3)
        assert torch.isfinite(model.loss((src[[0, 2]], tgt[[0, 2]])))     # the other rows are fine


def test_the_transformer_docstring_names_the_recurrent_models_layer():
    """transformer_mt says it decodes like the recurrent model: that model is built from LSTMs, not GRUs."""
    from aigc_lab.text import seq2seq, transformer_mt
    from aigc_lab.text.seq2seq import Seq2Seq, Seq2SeqConfig

    layers = {type(m) for m in Seq2Seq(Seq2SeqConfig(12, 12, emb=8, hidden=8)).modules()}
    assert nn.LSTM in layers and nn.GRU not in layers and nn.GRUCell not in layers
    assert "GRU" not in transformer_mt.__doc__ and "LSTM" in transformer_mt.__doc__
    assert "GRU" not in seq2seq.__doc__
