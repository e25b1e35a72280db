"""A linear-chain conditional random field (Lafferty et al. 2001), written out: path score,
forward algorithm and Viterbi decoding.

A tagger gives every token a score for every tag, the *emissions* e[t, y] (B, T, K).
A softmax picks each token's tag on its own; a CRF scores a whole tag *path* y_1..y_T:

    score(y) = start[y_1] + sum_t e[t, y_t] + sum_t trans[y_{t-1}, y_t] + end[y_T]
    p(y | x) = exp(score(y)) / Z,        Z = sum over all K^T paths of exp(score(y'))

so it can learn that I-PER never follows O.  Training minimises -log p(gold path) =
log Z - score(gold).  Enumerating K^T paths is hopeless (9 tags, 20 tokens: 1.2e19
paths), but both log Z and the best path factor over neighbouring positions:

    forward algorithm   alpha[t, j] = logsumexp_i(alpha[t-1, i] + trans[i, j]) + e[t, j]     (log Z)
    Viterbi             delta[t, j] = max_i(delta[t-1, i] + trans[i, j]) + e[t, j]          (best path)

each O(T K^2).  :func:`brute_force` enumerates every path of a short sequence, and
``tests/test_entities.py`` checks both algorithms against it.

Shapes: B sequences, T positions, K tags.  ``mask`` (B, T) is True on real tokens;
sequences are right-padded (a prefix of each row is True, and the first position always is).
"""
from __future__ import annotations

import itertools

import torch
import torch.nn as nn

Tensor = torch.Tensor


def path_score(emissions: Tensor, tags: Tensor, mask: Tensor, transitions: Tensor, start: Tensor,
               end: Tensor) -> Tensor:
    """score(y) of the given tag paths: (B, T, K), (B, T), (B, T) -> (B,)."""
    B = emissions.size(0)
    mask = mask.to(emissions.dtype)
    emitted = emissions.gather(2, tags.unsqueeze(2)).squeeze(2)                 # (B, T) e[t, y_t]
    moved = transitions[tags[:, :-1], tags[:, 1:]]                             # (B, T-1) trans[y_{t-1}, y_t]
    score = start[tags[:, 0]] + (emitted * mask).sum(1) + (moved * mask[:, 1:]).sum(1)   # padding adds nothing
    last = tags[torch.arange(B), mask.sum(1).long() - 1]                       # (B,) each row's last real tag
    return score + end[last]


def log_partition(emissions: Tensor, mask: Tensor, transitions: Tensor, start: Tensor, end: Tensor) -> Tensor:
    """log Z by the forward algorithm: (B, T, K), (B, T) -> (B,).

    alpha[b, j] is the log of the summed exp-scores of every partial path that ends in
    tag j at the current position.  Each step extends all of them by one tag at once.
    """
    alpha = start + emissions[:, 0]                                          # (B, K)
    for t in range(1, emissions.size(1)):
        # (B, K, 1) + (K, K) -> (B, K_prev, K_next); sum out the previous tag in log space
        extended = torch.logsumexp(alpha.unsqueeze(2) + transitions, dim=1) + emissions[:, t]   # (B, K)
        alpha = torch.where(mask[:, t:t + 1], extended, alpha)              # padded rows keep their alpha
    return torch.logsumexp(alpha + end, dim=1)


def viterbi_decode(emissions: Tensor, mask: Tensor, transitions: Tensor, start: Tensor,
                   end: Tensor) -> list[list[int]]:
    """The highest-scoring tag path of each sequence, as lists of tag ids (padding left out).

    The same recursion as the forward algorithm with max in place of logsumexp, plus
    back-pointers (which previous tag gave the max) to read the best path backwards.
    """
    B, T, _ = emissions.shape
    delta = start + emissions[:, 0]                                          # (B, K) best score ending in each tag
    pointers = []                                                            # T-1 tensors (B, K)
    for t in range(1, T):
        best, arg = (delta.unsqueeze(2) + transitions).max(dim=1)            # over the previous tag: (B, K) each
        pointers.append(arg)
        delta = torch.where(mask[:, t:t + 1], best + emissions[:, t], delta)
    last = (delta + end).argmax(dim=1)                                       # (B,) best final tag
    lengths = mask.sum(1).tolist()
    pointers = torch.stack(pointers, 1).tolist() if pointers else []         # (B, T-1, K), read in Python
    paths = []
    for b in range(B):
        path = [int(last[b])]
        for t in range(int(lengths[b]) - 1, 0, -1):                          # follow the pointers back to t = 0
            path.append(pointers[b][t - 1][path[-1]])
        paths.append(path[::-1])
    return paths


def brute_force(emissions: Tensor, transitions: Tensor, start: Tensor, end: Tensor) -> tuple[Tensor, list[int]]:
    """log Z and the best path of ONE unpadded sequence (T, K) by scoring all K^T paths.

    Exponential in T: only for checking the forward algorithm and Viterbi on short sequences.
    """
    T, K = emissions.shape
    paths = torch.tensor(list(itertools.product(range(K), repeat=T)))        # (K^T, T)
    n = len(paths)
    scores = path_score(emissions.expand(n, T, K), paths, torch.ones(n, T, dtype=torch.bool),
                        transitions, start, end)                             # (K^T,)
    return torch.logsumexp(scores, 0), paths[scores.argmax()].tolist()


class CRF(nn.Module):
    """The CRF's parameters (transition, start and end scores) and its two uses: loss and decoding."""

    def __init__(self, num_tags: int):
        super().__init__()
        self.num_tags = num_tags
        # transitions[i, j]: score of tag j right after tag i; learned, like every other weight
        self.transitions = nn.Parameter(torch.zeros(num_tags, num_tags))
        self.start = nn.Parameter(torch.zeros(num_tags))     # score of a path starting with each tag
        self.end = nn.Parameter(torch.zeros(num_tags))       # score of a path ending with each tag

    def neg_log_likelihood(self, emissions: Tensor, tags: Tensor, mask: Tensor) -> Tensor:
        """Mean over the batch of -log p(tags | x) = log Z - score(tags)."""
        emissions = emissions.float()                        # log-sum-exp in float32, even under bf16 autocast
        params = (self.transitions, self.start, self.end)
        gold = path_score(emissions, tags, mask, *params)
        return (log_partition(emissions, mask, *params) - gold).mean()

    @torch.no_grad()
    def decode(self, emissions: Tensor, mask: Tensor) -> list[list[int]]:
        """Viterbi: the single most probable tag path of each sequence."""
        return viterbi_decode(emissions.float(), mask, self.transitions, self.start, self.end)
