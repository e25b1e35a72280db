"""Checks for the exercises of notebooks/04_speech/02_recognition.

Each check compares the learner's answer with the package's own (``speech.hmm.forward``,
``speech.decoding.greedy_decode``, ``speech.error_rates.edit_distance``, and CTC's
frame count) on inputs made up here, so the notebook never holds the answer.
"""
from __future__ import annotations

import torch

from ..speech import decoding, error_rates, hmm
from . import exercise


@exercise("04_speech.02.a", kind="function",
          hint="Start with log_pi + log_b[0]; at each later frame take torch.logsumexp(alpha[:, None] + log_A, dim=0) "
               "and add log_b[t]; at the end logsumexp over the states.")
def _forward(answer) -> bool:
    g = torch.Generator().manual_seed(0)
    for n, t in ((3, 6), (5, 12)):
        log_pi = torch.log_softmax(torch.randn(n, generator=g, dtype=torch.float64), 0)
        log_A = torch.log_softmax(torch.randn(n, n, generator=g, dtype=torch.float64), 1)
        log_b = torch.randn(t, n, generator=g, dtype=torch.float64) * 3
        reference = hmm.forward(log_pi, log_A, log_b[None])[1][0]
        mine = answer(log_pi.clone(), log_A.clone(), log_b.clone())
        if mine is None or not torch.allclose(torch.as_tensor(mine, dtype=torch.float64), reference, atol=1e-8):
            return False
    return True


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
