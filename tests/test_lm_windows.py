"""Language-model inputs at their edges (issue 17): every full window of a stream is scored, the random
training windows reach the stream's final token without reading past it (defect 6), and every language
model takes non-contiguous slices of a tensor (``ids[:, :-1], ids[:, 1:]``).  Fast, CPU only."""
from __future__ import annotations

import pytest
import torch

from aigc_lab.data.text import LMBatches
from aigc_lab.text.gpt import GPT, GPTConfig
from aigc_lab.text.mlp_lm import MLPLanguageModel, MLPLMConfig
from aigc_lab.text.ngram import NGramLanguageModel
from aigc_lab.text.rnn_lm import RNNConfig, RNNLanguageModel
from aigc_lab.text.sampling import evaluate_loss


class _Recorder(torch.nn.Module):
    """Uniform logits over ``vocab``; remembers every window it was shown."""

    def __init__(self, vocab: int):
        super().__init__()
        self.vocab, self.seen = vocab, []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.append(x.clone())
        return torch.zeros(*x.shape, self.vocab)


@pytest.mark.parametrize("n, block, windows", [(64, 64, 0), (65, 64, 1), (128, 64, 1), (129, 64, 2),
                                               (130, 64, 2), (193, 64, 3), (9, 4, 2), (5, 4, 1)])
def test_evaluate_loss_scores_every_full_window(n, block, windows):
    """A window of ``block`` inputs needs ``block + 1`` tokens: ``n`` tokens hold (n - 1) // block of them."""
    ids = torch.arange(n)
    model = _Recorder(vocab=n)
    if windows == 0:
        with pytest.raises(ValueError, match="too short"):
            evaluate_loss(model, ids, block=block, max_windows=None)
        return
    loss = evaluate_loss(model, ids, block=block, max_windows=None)
    assert loss == pytest.approx(torch.log(torch.tensor(float(n))).item())   # uniform logits: log(vocab)
    starts = torch.cat(model.seen)[:, 0]
    assert starts.tolist() == [w * block for w in range(windows)]


def test_evaluate_loss_max_windows_still_caps():
    model = _Recorder(vocab=200)
    evaluate_loss(model, torch.arange(200), block=4, max_windows=3)
    assert torch.cat(model.seen).size(0) == 3


@pytest.mark.parametrize("n, block", [(5, 4), (9, 4), (12, 4), (65, 64)])
def test_lm_batches_reach_the_final_token(n, block):
    """Over many seeded draws the last token is a target, the first an input, and no index runs past the stream."""
    ids = torch.arange(n)
    batches = LMBatches(ids, block=block, batch=16, seed=3)
    targets, inputs = set(), set()
    for _ in range(200):
        x, y = batches()
        assert x.shape == y.shape == (16, block)
        assert torch.equal(y, x + 1)                    # y is x shifted by one: ids are positions
        inputs.update(x.flatten().tolist())
        targets.update(y.flatten().tolist())
    assert n - 1 in targets
    assert 0 in inputs
    assert targets == set(range(1, n)) and inputs == set(range(n - 1))


@pytest.mark.parametrize("n", [0, 3, 4])
def test_lm_batches_reject_streams_without_one_window(n):
    with pytest.raises(ValueError, match="too short"):
        LMBatches(torch.arange(n), block=4, batch=2)


# --------------------------------------------------------------------------- non-contiguous inputs
VOCAB = 11


@pytest.mark.parametrize("make", [
    lambda: GPT(GPTConfig(vocab_size=VOCAB, block_size=16, n_layer=1, n_head=2, n_embd=16)),
    lambda: RNNLanguageModel(RNNConfig(vocab_size=VOCAB, cell="lstm", n_embd=8, hidden=16)),
    lambda: MLPLanguageModel(MLPLMConfig(vocab_size=VOCAB, context=3, n_embd=8, hidden=16)),
    lambda: NGramLanguageModel(VOCAB, n=3).fit(torch.arange(40) % VOCAB),
], ids=["gpt", "lstm", "mlp", "ngram"])
def test_loss_takes_shifted_slices_of_one_tensor(make):
    """``ids[:, 1:]`` of a (B, T + 1) tensor is not contiguous: ``.view`` fails on it, ``.reshape`` does not."""
    torch.manual_seed(0)
    model = make().eval()
    ids = torch.randint(VOCAB, (3, 13))
    x, y = ids[:, :-1], ids[:, 1:]
    assert not y.is_contiguous()
    with torch.no_grad():
        assert torch.equal(model.loss((x, y)), model.loss((x.contiguous(), y.contiguous())))

