"""Connectionist temporal classification (CTC), written out: the loss, greedy and prefix beam-search decoding.

A recogniser that reads ``T`` frames emits, at every frame, a probability for each
character *and* for an extra **blank** symbol (index 0 here).  A *path* is one symbol
per frame; the function B collapses a path to a transcript by merging repeated
symbols, then dropping blanks::

    B("--tt-h-ee--") = "the"        (- is the blank)
    B("t-tt")        = "tt"         (a blank separates two real t's)

CTC (Graves et al. 2006) scores a transcript ``y`` by summing over every path that
collapses to it: ``p(y | x) = sum_{pi: B(pi) = y} prod_t p_t(pi_t)``.  The sum over
exponentially many paths is computed by a forward recursion over the transcript
with blanks inserted (``-y1-y2-...-yL-``, length ``2L + 1``), eq. (6)-(7) of the paper.
``ctc_loss`` below does exactly that in log space, one sequence at a time, so it can
be read and stepped through; training uses PyTorch's ``F.ctc_loss`` (the same number,
tests/test_speech_recognition.py checks it, much faster).

Decoding asks for the most probable *transcript*, which is not the collapse of the most
probable *path*:

- ``greedy_decode``: take the best symbol per frame, collapse.  Fast, usually good.
- ``prefix_beam_search`` (Hannun et al. 2014): keep the ``beam`` best transcript
  prefixes, each with two probabilities (its paths ending in a blank, and ending in
  its last character), extended frame by frame; it sums over paths, so it can find
  a transcript whose probability is spread over many paths.

    vocabulary = CharVocabulary()
    ids = vocabulary.encode("seven hundred")          # [20, 6, 23, ...] (0 is the blank)
    text = vocabulary.decode(greedy_decode(log_probs))  # log_probs: (T, V) log-softmax output
"""
from __future__ import annotations

import math
from collections import defaultdict

import torch

BLANK = 0
IMPOSSIBLE = -1e30   # log "probability" of what cannot happen in ctc_loss (finite, so gradients stay finite)


class CharVocabulary:
    """Characters <-> integer ids; id 0 is CTC's blank, so the characters are 1 ... len(alphabet)."""

    def __init__(self, alphabet: str = " abcdefghijklmnopqrstuvwxyz'"):
        if len(set(alphabet)) != len(alphabet):
            raise ValueError("the alphabet repeats a character")
        self.alphabet = alphabet
        self.index = {c: i + 1 for i, c in enumerate(alphabet)}

    def __len__(self) -> int:                # including the blank
        return len(self.alphabet) + 1

    def encode(self, text: str) -> list[int]:
        unknown = sorted(set(text) - set(self.index))
        if unknown:
            raise ValueError(f"characters {unknown} are not in the vocabulary {self.alphabet!r}")
        return [self.index[c] for c in text]

    def decode(self, ids) -> str:
        return "".join(self.alphabet[int(i) - 1] for i in ids if int(i) != BLANK)


def collapse(path, blank: int = BLANK) -> list[int]:
    """CTC's B: merge runs of the same symbol, then drop blanks.  [1, 1, 0, 1, 2, 2] -> [1, 1, 2]."""
    out, previous = [], None
    for symbol in (int(s) for s in path):
        if symbol != previous and symbol != blank:
            out.append(symbol)
        previous = symbol
    return out


# --------------------------------------------------------------------------- the loss, from scratch
def ctc_loss(log_probs: torch.Tensor, target, blank: int = BLANK) -> torch.Tensor:
    """``-log p(target | x)`` for one sequence: log_probs (T, V) log-softmax output, target a list of ids.

    The extended target is ``l' = [blank, y1, blank, y2, ..., yL, blank]`` (length S = 2L + 1).
    ``alpha[s]`` is the log probability of all path prefixes up to frame t that collapse to
    ``l'[:s + 1]``.  A path may stay on s, step from s - 1, or skip a blank from s - 2 when
    ``l'[s]`` is not a blank and differs from ``l'[s - 2]`` (two equal characters need a blank between):

        alpha_t[s] = logsumexp(alpha_{t-1}[s], alpha_{t-1}[s-1], [alpha_{t-1}[s-2]]) + log y_t[l'[s]]

    Valid paths end on the last character or the final blank: the loss is
    ``-logsumexp(alpha_T[S-1], alpha_T[S-2])``.  Differentiable (autograd flows through it).
    An empty target (a silent clip) leaves ``l' = [blank]``: the loss is ``-sum_t log y_t[blank]``.
    If T is too short for the target the loss is about 1e30 (``F.ctc_loss`` says inf).
    """
    target = [int(c) for c in target]
    if any(c == blank for c in target):
        raise ValueError("the target must not contain the blank")
    extended = [blank]
    for c in target:
        extended += [c, blank]
    S, T = len(extended), log_probs.shape[0]
    # "impossible" is a very negative finite number, not -inf: logsumexp of only -inf values has a NaN gradient
    impossible = torch.tensor(IMPOSSIBLE, dtype=log_probs.dtype, device=log_probs.device)
    emit = log_probs[:, extended]                                   # (T, S): log y_t[l'[s]]
    # which s may be reached by skipping from s - 2
    can_skip = torch.tensor([s >= 2 and extended[s] != blank and extended[s] != extended[s - 2] for s in range(S)],
                            device=log_probs.device)
    alpha = torch.cat([emit[0, :min(2, S)], impossible.expand(max(0, S - 2))])   # start on the first blank or character
    for t in range(1, T):
        stay = alpha
        step = torch.cat([impossible[None], alpha[:-1]])
        skip = torch.where(can_skip, torch.cat([impossible.expand(min(2, S)), alpha[:-2]]), impossible)  # (S,)
        alpha = torch.logsumexp(torch.stack([stay, step, skip]), dim=0) + emit[t]
    return -torch.logsumexp(alpha[-2:] if S > 1 else alpha, dim=0)


# --------------------------------------------------------------------------- decoding
def greedy_decode(log_probs: torch.Tensor, blank: int = BLANK) -> list[int]:
    """Best path decoding: the most probable symbol at each frame of (T, V), collapsed."""
    return collapse(log_probs.argmax(dim=-1).tolist(), blank)


def _log_add(a: float, b: float) -> float:
    """log(exp(a) + exp(b)) without overflow."""
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    return max(a, b) + math.log1p(math.exp(-abs(a - b)))


def prefix_beam_search(log_probs: torch.Tensor, beam: int = 8, blank: int = BLANK,
                       prune: float = -12.0) -> tuple[list[int], float]:
    """The most probable transcript found by CTC prefix beam search: (ids, log probability).

    log_probs is (T, V).  Each prefix (a tuple of character ids) carries two log
    probabilities over the frames so far: ``p_b``, of its paths ending in a blank, and
    ``p_nb``, of its paths ending in its last character.  At each frame, for each kept
    prefix and each symbol c:

    - c = blank:              the prefix is unchanged; p_b += (p_b + p_nb) * y(blank)
    - c = the last character: either a repeat that merges (prefix unchanged, p_nb += p_nb * y(c)),
                              or, after a blank, a new copy (prefix + c gets p_b * y(c))
    - any other c:            prefix + c gets (p_b + p_nb) * y(c)

    then only the ``beam`` prefixes with the largest ``p_b + p_nb`` are kept.  Symbols
    whose log probability at a frame is below ``prune`` are not tried (they cannot
    change the answer much, and skipping them makes it fast).  With a beam as large as
    the number of prefixes it is exact.
    """
    lp = log_probs.detach().double().cpu()
    beams: dict[tuple, tuple[float, float]] = {(): (0.0, -math.inf)}        # prefix -> (log p_b, log p_nb)
    for t in range(lp.shape[0]):
        frame = lp[t].tolist()
        candidates = [c for c, value in enumerate(frame) if value >= prune or c == blank]
        nxt: dict[tuple, list[float]] = defaultdict(lambda: [-math.inf, -math.inf])
        for prefix, (p_b, p_nb) in beams.items():
            total = _log_add(p_b, p_nb)
            for c in candidates:
                p = frame[c]
                if c == blank:
                    entry = nxt[prefix]
                    entry[0] = _log_add(entry[0], total + p)
                    continue
                extended = prefix + (c,)
                entry = nxt[extended]
                if prefix and c == prefix[-1]:
                    entry[1] = _log_add(entry[1], p_b + p)                 # a new copy needs a blank between
                    same = nxt[prefix]
                    same[1] = _log_add(same[1], p_nb + p)                  # a repeat merges into the prefix
                else:
                    entry[1] = _log_add(entry[1], total + p)
        ranked = sorted(nxt.items(), key=lambda kv: _log_add(*kv[1]), reverse=True)[:beam]
        beams = {prefix: (p_b, p_nb) for prefix, (p_b, p_nb) in ranked}
    best, (p_b, p_nb) = max(beams.items(), key=lambda kv: _log_add(*kv[1]))
    return list(best), _log_add(p_b, p_nb)


def decode_batch(log_probs: torch.Tensor, lengths: torch.Tensor, vocabulary: CharVocabulary, *,
                 beam: int | None = None) -> list[str]:
    """Texts for a batch: log_probs (B, T, V) with valid ``lengths`` (B,); greedy, or prefix beam search if ``beam``."""
    texts = []
    for row, n in zip(log_probs.float().cpu(), lengths.tolist()):
        ids = greedy_decode(row[:n]) if beam is None else prefix_beam_search(row[:n], beam)[0]
        texts.append(vocabulary.decode(ids))
    return texts
