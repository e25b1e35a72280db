"""Text generation models: parity of the written-out recurrent cells with PyTorch's, the n-gram and MLP
language models, the GPT's causality, sampling, and the `text` benchmark harness.  Fast, CPU only."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn as nn

from aigc_lab import bench, train
from aigc_lab.text.char_lm_recipe import Recipe, course_recipe, reference_recipe, train_recipe
from aigc_lab.data.text import CharTokenizer, LMBatches, unigram_entropy
from aigc_lab.text.gpt import GPT, GPTConfig
from aigc_lab.text.mlp_lm import MLPLanguageModel, MLPLMConfig
from aigc_lab.text.ngram import NGramLanguageModel
from aigc_lab.text.recurrent_cells import Recurrent, gru_cell, lstm_cell, rnn_cell
from aigc_lab.text.rnn_lm import RNNConfig, RNNLanguageModel
from aigc_lab.text.sampling import evaluate_loss, generate, nats_per_char, next_token_probs

DT = torch.float64
LIBRARY = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
TEXT = "the cat sat on the mat. the dog sat on the log. a cat and a dog met on a mat. " * 20


pytestmark = pytest.mark.usefixtures("seeded_one_thread")   # tiny models: one thread, seed 0


# --------------------------------------------------------------------------- recurrent cells
def _cell_args(cell: nn.Module):
    return cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh


def test_rnn_cell_matches_nn_rnncell():
    cell = nn.RNNCell(5, 7).double()
    x, h = torch.randn(3, 5, dtype=DT), torch.randn(3, 7, dtype=DT)
    assert torch.allclose(rnn_cell(x, h, *_cell_args(cell)), cell(x, h), atol=1e-12)


def test_lstm_cell_matches_nn_lstmcell():
    cell = nn.LSTMCell(5, 7).double()
    x, h, c = torch.randn(3, 5, dtype=DT), torch.randn(3, 7, dtype=DT), torch.randn(3, 7, dtype=DT)
    mine, ref = lstm_cell(x, (h, c), *_cell_args(cell)), cell(x, (h, c))
    assert torch.allclose(mine[0], ref[0], atol=1e-12) and torch.allclose(mine[1], ref[1], atol=1e-12)


def test_gru_cell_matches_nn_grucell():
    cell = nn.GRUCell(5, 7).double()
    x, h = torch.randn(3, 5, dtype=DT), torch.randn(3, 7, dtype=DT)
    assert torch.allclose(gru_cell(x, h, *_cell_args(cell)), cell(x, h), atol=1e-12)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("with_state", [False, True])
def test_recurrent_layer_matches_library_with_copied_weights(cell, with_state):
    ref = LIBRARY[cell](4, 6, num_layers=2, batch_first=True).double()
    mine = Recurrent(cell, 4, 6, num_layers=2).double()
    mine.load_state_dict(ref.state_dict())                  # same names, same layout
    x = torch.randn(3, 5, 4, dtype=DT, requires_grad=True)
    state = None
    if with_state:
        h0 = torch.randn(2, 3, 6, dtype=DT)
        state = (h0, torch.randn(2, 3, 6, dtype=DT)) if cell == "lstm" else h0
    out_ref, state_ref = ref(x, state)
    out_mine, state_mine = mine(x, state)
    assert torch.allclose(out_mine, out_ref, atol=1e-10)
    for a, b in zip(state_mine if cell == "lstm" else [state_mine], state_ref if cell == "lstm" else [state_ref]):
        assert torch.allclose(a, b, atol=1e-10)
    weights = torch.randn(out_ref.shape, dtype=DT)
    g_ref = torch.autograd.grad((out_ref * weights).sum(), [x, *ref.parameters()])
    g_mine = torch.autograd.grad((out_mine * weights).sum(), [x, *mine.parameters()])
    assert all(torch.allclose(a, b, atol=1e-10) for a, b in zip(g_mine, g_ref))


def test_recurrent_layer_rejects_unknown_cell():
    with pytest.raises(ValueError, match="cell must be one of"):
        Recurrent("transformer", 3, 3)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_rnn_language_model_scratch_and_torch_agree(cell):
    fused = RNNLanguageModel(RNNConfig(vocab_size=11, cell=cell, n_embd=8, hidden=12, layers=2))
    scratch = RNNLanguageModel(RNNConfig(vocab_size=11, cell=cell, n_embd=8, hidden=12, layers=2, impl="scratch"))
    scratch.load_state_dict(fused.state_dict())
    idx = torch.randint(0, 11, (2, 9))
    assert torch.allclose(scratch(idx), fused(idx), atol=1e-5)


# --------------------------------------------------------------------------- count n-grams
def _char_ids(text=TEXT):
    tokenizer = CharTokenizer(text)
    return tokenizer, tokenizer.encode(text)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_ngram_probabilities_sum_to_one(n):
    tokenizer, ids = _char_ids()
    model = NGramLanguageModel(tokenizer.vocab_size, n=n).fit(ids)
    idx = torch.randint(0, tokenizer.vocab_size, (3, 12))     # includes contexts never seen
    probs = model(idx).exp()
    assert probs.shape == (3, 12, tokenizer.vocab_size)
    assert torch.allclose(probs.sum(-1), torch.ones(3, 12), atol=1e-5) and (probs > 0).all()


def test_bigram_matches_hand_computed_counts():
    # text "abab": bigrams ab, ba, ab; unigram counts a=2, b=2; with strength s = 1:
    # p2(b | a) = (count(a, b) + s * p1(b)) / (count(a) + s) = (2 + 0.5) / (2 + 1)
    ids = torch.tensor([0, 1, 0, 1])
    model = NGramLanguageModel(2, n=2, strength=1.0).fit(ids)
    p1_b = (2 + 1) / (4 + 2)                                   # add-one unigram
    probs = model(torch.tensor([[0]])).exp()[0, 0]
    assert math.isclose(probs[1].item(), (2 + p1_b) / 3, rel_tol=1e-6)
    assert math.isclose(probs[0].item(), (0 + (1 - p1_b)) / 3, rel_tol=1e-6)


def test_longer_ngrams_fit_training_text_better():
    tokenizer, ids = _char_ids()
    losses = [NGramLanguageModel(tokenizer.vocab_size, n=n).fit(ids).loss((ids[None, :-1], ids[None, 1:])).item()
              for n in (1, 2, 3, 4)]
    assert losses == sorted(losses, reverse=True)
    assert losses[0] < unigram_entropy(ids) + 0.05


def test_ngram_generates_and_scores_like_a_neural_model():
    tokenizer, ids = _char_ids()
    model = NGramLanguageModel(tokenizer.vocab_size, n=4).fit(ids)
    out = generate(model, tokenizer.encode("the "), 30, generator=torch.Generator().manual_seed(0))
    assert len(out) == 34
    assert evaluate_loss(model, ids, block=16) < 1.0


def test_ngram_must_be_fitted_first():
    with pytest.raises(RuntimeError, match="fit"):
        NGramLanguageModel(5, n=2)(torch.zeros(1, 3, dtype=torch.long))


# --------------------------------------------------------------------------- MLP language model
def test_mlp_lm_sees_only_its_window():
    model = MLPLanguageModel(MLPLMConfig(vocab_size=10, context=3, n_embd=4, hidden=16))
    idx = torch.randint(0, 10, (2, 8))
    changed = idx.clone()
    changed[:, 7] = (idx[:, 7] + 1) % 10                       # the last token ...
    changed[:, 0] = (idx[:, 0] + 1) % 10                       # ... and the first
    a, b = model(idx), model(changed)
    assert a.shape == (2, 8, 10)
    assert torch.allclose(a[:, 3:7], b[:, 3:7])                 # windows 3..6 contain neither changed token
    assert not torch.allclose(a[:, 7], b[:, 7]) and not torch.allclose(a[:, 0], b[:, 0])


@pytest.mark.parametrize("make", [
    lambda v: MLPLanguageModel(MLPLMConfig(vocab_size=v, context=4, n_embd=8, hidden=64)),
    lambda v: RNNLanguageModel(RNNConfig(vocab_size=v, cell="lstm", n_embd=16, hidden=32)),
    lambda v: GPT(GPTConfig(vocab_size=v, block_size=16, n_layer=1, n_head=2, n_embd=32)),
], ids=["mlp", "lstm", "gpt"])
def test_tiny_language_models_learn(make):
    tokenizer, ids = _char_ids()
    model = make(tokenizer.vocab_size)
    train.fit(model, LMBatches(ids, block=16, batch=16), steps=150, lr=1e-2, progress=False, device="cpu")
    assert evaluate_loss(model, ids, block=16) < unigram_entropy(ids) - 0.5


# --------------------------------------------------------------------------- GPT
def test_gpt_is_causal_and_ties_weights():
    model = GPT(GPTConfig(vocab_size=13, block_size=10, n_layer=2, n_head=2, n_embd=16)).eval()
    idx = torch.randint(0, 13, (2, 10))
    changed = idx.clone()
    changed[:, 6:] = (idx[:, 6:] + 1) % 13
    assert torch.allclose(model(idx)[:, :6], model(changed)[:, :6], atol=1e-6)
    assert model.head.weight is model.tok_emb.weight
    with pytest.raises(ValueError, match="block_size"):
        model(torch.zeros(1, 11, dtype=torch.long))


# --------------------------------------------------------------------------- sampling
def test_next_token_probs_temperature_and_top_k():
    logits = torch.tensor([2.0, 1.0, 0.5, -1.0])
    assert torch.allclose(next_token_probs(logits), torch.softmax(logits, -1))
    assert torch.allclose(next_token_probs(logits, 0.5), torch.softmax(logits * 2, -1))
    top2 = next_token_probs(logits, 1.0, top_k=2)
    assert (top2[2:] == 0).all() and math.isclose(top2.sum().item(), 1.0, rel_tol=1e-6)
    assert torch.allclose(top2[:2], torch.softmax(logits[:2], -1))
    sharp, flat = next_token_probs(logits, 0.1), next_token_probs(logits, 10.0)
    assert sharp.max() > 0.99 and flat.max() < 0.3
    with pytest.raises(ValueError, match="positive"):
        next_token_probs(logits, 0.0)


def test_next_token_probs_top_p_keeps_the_smallest_nucleus():
    probs = torch.tensor([0.15, 0.5, 0.05, 0.3])                       # not sorted: the nucleus is ids 1, 3 (0.8)
    logits = probs.log()
    nucleus = next_token_probs(logits, top_p=0.8)
    assert torch.allclose(nucleus, torch.tensor([0.0, 0.625, 0.0, 0.375]))
    assert torch.allclose(next_token_probs(logits, top_p=0.81), torch.tensor([0.15, 0.5, 0.0, 0.3]) / 0.95)
    assert torch.allclose(next_token_probs(logits, top_p=1.0), probs)
    assert torch.allclose(next_token_probs(logits, top_p=0.1), torch.tensor([0.0, 1.0, 0.0, 0.0]))  # the best always stays
    batched = next_token_probs(torch.stack([logits, logits.flip(0)]), top_p=0.8)   # (2, V): row by row
    assert torch.allclose(batched[1], nucleus.flip(0))
    with pytest.raises(ValueError, match="top_p"):
        next_token_probs(logits, top_p=0.0)


def test_generate_with_top_k_1_is_greedy_and_seeded_sampling_repeats():
    model = GPT(GPTConfig(vocab_size=9, block_size=8, n_layer=1, n_head=1, n_embd=8))
    prompt = torch.tensor([1, 2])
    greedy = generate(model, prompt, 12, top_k=1)
    ids = prompt.clone()
    for _ in range(12):
        ids = torch.cat([ids, model(ids[-8:][None])[0, -1].argmax().view(1)])
    assert greedy.tolist() == ids.tolist()
    one = generate(model, prompt, 12, temperature=1.5, generator=torch.Generator().manual_seed(3))
    two = generate(model, prompt, 12, temperature=1.5, generator=torch.Generator().manual_seed(3))
    assert one.tolist() == two.tolist()


def test_nats_per_char_conversion():
    assert nats_per_char(2.0, 100, 200) == 1.0
    assert nats_per_char(1.5, 50, 50) == 1.5


# --------------------------------------------------------------------------- the `text` benchmark
def test_benchmark_recipes_and_registration():
    assert "text" in bench.registry()
    reference = reference_recipe()
    model = GPT(GPTConfig(vocab_size=65, **{k: getattr(reference.config, k)
                                            for k in ("block_size", "n_layer", "n_head", "n_embd")}))
    if reference.config.n_embd == 128:                         # the CPU reference: about 0.8M parameters
        assert 0.75e6 < sum(p.numel() for p in model.parameters()) < 0.85e6
        assert (reference.batch, reference.lr, reference.schedule, reference.steps) == (12, 1e-3, "constant", 2000)
    assert course_recipe().schedule == "cosine"


def test_train_recipe_harness_runs_both_schedules():
    tokenizer, ids = _char_ids()
    small = GPTConfig(0, block_size=16, n_layer=1, n_head=2, n_embd=16)
    for recipe in (Recipe("fixed", small, batch=4, lr=1e-3, steps=5),
                   Recipe("timed", small, batch=4, lr=3e-3, schedule="cosine", warmup=2)):
        result = train_recipe(recipe, ids[:1200], ids[1200:], vocab_size=tokenizer.vocab_size, seconds=2.0)
        assert result["steps"] >= 1 and result["tokens_per_s"] > 0 and result["params"] > 0
        assert math.isfinite(result["val_loss_nats_per_char"])
        assert result["seconds"] < 6
