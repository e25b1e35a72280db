"""Checks for the exercises of notebooks/04_speech/02_recognition.

Each check compares the learner's answer with the package's own (``speech.decoding.greedy_decode``,
``speech.error_rates.edit_distance``, and CTC's frame count) on inputs made up here, so the notebook
never holds the answer; the learner's recogniser (e) is probed and trained with CTC on a toy task.
(04_speech.02.a, the forward algorithm, is retired: the notebook now writes it on screen.)
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..speech import decoding, error_rates
from .. import runtime
from . import exercise


@exercise("04_speech.02.b", kind="function",
          hint="Take the argmax at every frame, then walk the path: keep a symbol when it differs from the previous "
               "frame's symbol and is not the blank (0).")
def _greedy(answer) -> bool:
    g = torch.Generator().manual_seed(1)
    cases = [torch.tensor([[0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.7, 0.2, 0.1], [0.2, 0.7, 0.1]]).log()]
    cases += [torch.randn(30, 5, generator=g).mul(2).log_softmax(-1) for _ in range(5)]
    for log_probs in cases:
        mine = answer(log_probs.clone())
        if mine is None or [int(i) for i in mine] != decoding.greedy_decode(log_probs):
            return False
    return True


@exercise("04_speech.02.c", kind="function",
          hint="Fill a (len(ref) + 1) x (len(hyp) + 1) table: first row 0..len(hyp), first column 0..len(ref), each "
               "cell the minimum of deletion + 1, insertion + 1 and substitution (+ 1 unless the symbols are equal).")
def _edit_distance(answer) -> bool:
    pairs = [("kitten", "sitting"), ("", "abc"), ("abc", ""), ("flaw", "lawn"), ("seven hundred", "seven hunded"),
             (["three", "hundred", "and", "twelve"], ["three", "and", "twelve", "twelve"]), ("same", "same")]
    return all(answer(r, h) == error_rates.edit_distance(r, h) for r, h in pairs)


@exercise("04_speech.02.d", kind="value",
          hint="Each character needs a frame of its own, and two equal neighbours need a blank frame between them.")
def _min_frames(answer) -> bool:
    text = "three hundred and eleven"          # "ee" in three, "ll" in eleven: two blanks needed
    needed = len(text) + sum(a == b for a, b in zip(text, text[1:]))
    return isinstance(answer, int) and answer == needed


# --------------------------------------------------------------------------- e: a bidirectional recogniser
def _toy_utterances(n: int, generator: torch.Generator, n_features: int = 8, n_symbols: int = 4):
    """n noisy sequences of 2-4 'sounds' (no two equal neighbours), each lasting 2-4 frames, with 0-2 frames of
    silence around them: frames (n, T, n_features) zero-padded, lengths (n,), transcripts (lists of 1..n_symbols)."""
    means = torch.randn(n_symbols + 1, n_features, generator=torch.Generator().manual_seed(7)) * 1.5
    means[0] = 0.0                                                  # silence
    waves, texts = [], []
    for _ in range(n):
        size = int(torch.randint(2, 5, (1,), generator=generator))
        text: list[int] = []
        while len(text) < size:
            s = int(torch.randint(1, n_symbols + 1, (1,), generator=generator))
            if not text or s != text[-1]:
                text.append(s)
        frames: list[int] = []
        for s in text:
            frames += [0] * int(torch.randint(0, 3, (1,), generator=generator))
            frames += [s] * int(torch.randint(2, 5, (1,), generator=generator))
        frames += [0] * int(torch.randint(0, 3, (1,), generator=generator))
        waves.append(means[torch.tensor(frames)] + 0.3 * torch.randn(len(frames), n_features, generator=generator))
        texts.append(text)
    lengths = torch.tensor([len(w) for w in waves])
    x = torch.zeros(n, int(lengths.max()), n_features)
    for i, w in enumerate(waves):
        x[i, :len(w)] = w
    return x, lengths, texts


def _exact_after_ctc_training(model_class, steps: int = 80) -> float:
    """Train the learner's model with F.ctc_loss on toy utterances; the share of new ones decoded exactly."""
    g = torch.Generator().manual_seed(0)
    x_train, len_train, y_train = _toy_utterances(256, g)
    x_test, len_test, y_test = _toy_utterances(64, g)
    torch.manual_seed(0)
    model = model_class(8, 4)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    batches = torch.Generator().manual_seed(1)
    with runtime.threads(1):                      # a model this small trains faster on one thread
        for _ in range(steps):
            idx = torch.randint(0, len(y_train), (16,), generator=batches).tolist()
            targets = [y_train[i] for i in idx]
            log_probs = model(x_train[idx])                         # (B, T, V)
            loss = F.ctc_loss(log_probs.transpose(0, 1), torch.tensor(sum(targets, [])), len_train[idx],
                              torch.tensor([len(t) for t in targets]), blank=0, zero_infinity=True)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        model.eval()
        with torch.no_grad():
            log_probs = model(x_test)
        right = sum(decoding.greedy_decode(log_probs[i, :int(len_test[i])]) == y_test[i] for i in range(len(y_test)))
        return right / len(y_test)


@exercise("04_speech.02.e", kind="function",
          hint="See section 2's model cell: nn.GRU(n_features, 32, batch_first=True, bidirectional=True) gives "
               "(B, T, 64), both directions side by side; nn.Linear(64, n_symbols + 1) then "
               "F.log_softmax(..., dim=-1). Return the log-probabilities, not the GRU's (output, state) pair.")
def _bigru_recogniser(answer) -> bool:
    torch.manual_seed(0)
    model = answer(8, 4).eval()
    x = torch.randn(2, 12, 8)
    with torch.no_grad():
        out = model(x)
        if out is None:
            raise NotImplementedError                               # forward left as the stub
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (2, 12, 5):
            return False
        if not torch.allclose(out.exp().sum(-1), torch.ones(2, 12), atol=1e-4):
            return False                                            # not log-probabilities over blank + 4 symbols
        later = x.clone()
        later[:, -1] += 3.0                                         # change the last frame only
        if torch.allclose(model(later)[:, 0], out[:, 0]):
            return False                                            # the first frame does not hear the future
    return _exact_after_ctc_training(answer) >= 0.8
