"""The statistical idea behind machine translation: word alignment by IBM Model 1 (Brown et al., 1993).

Statistical machine translation learned *which words translate which* from a
parallel corpus alone, with no dictionary.  IBM Model 1 says: each target word f_j
was produced by one source word e_i (or by an invisible NULL word, for target words
with no source counterpart), chosen uniformly, with probability t(f | e).  Nobody
tells us the alignment, so t is learned by expectation-maximisation (EM):

    E-step: for every sentence pair and target word f_j, share one count among the
            source words in proportion to t:  p(a_j = i) = t(f_j | e_i) / sum_i' t(f_j | e_i')
    M-step: t(f | e) = (expected count of e producing f) / (expected count of e producing anything)

Starting from uniform t, words that keep appearing together in pairs pull their
probability mass together, iteration by iteration; the data log-likelihood never
goes down (EM's guarantee, checked in ``tests/test_translation.py``).

    model = train_ibm1(pairs, iterations=5)      # pairs: (source tokens, target tokens)
    model.best("dogs")                            # the most probable translation of a source word
    viterbi_alignment(model, source, target)      # for each target word, its most probable source position
    table = word_table(model, pairs)              # source word -> target word, from alignment counts
    translate_word_by_word(tokens, table)         # the dictionary baseline: no reordering, no grammar
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

NULL = "<null>"


@dataclass
class IBMModel1:
    source_words: list[str]                 # index 0 is NULL
    target_words: list[str]
    t: np.ndarray                           # (len(source_words), len(target_words)): t[e, f] = p(f | e)
    log_likelihood: list[float] = field(default_factory=list)   # after each iteration

    def __post_init__(self):
        self.source_index = {w: i for i, w in enumerate(self.source_words)}
        self.target_index = {w: i for i, w in enumerate(self.target_words)}

    def prob(self, target_word: str, source_word: str) -> float:
        """t(f | e); 0 for words never seen in training."""
        e, f = self.source_index.get(source_word), self.target_index.get(target_word)
        return 0.0 if e is None or f is None else float(self.t[e, f])

    def best(self, source_word: str, k: int = 1):
        """The ``k`` most probable translations of a source word as (target word, probability), best first."""
        row = self.t[self.source_index[source_word]]
        order = np.argsort(-row, kind="stable")[:k]
        return [(self.target_words[j], float(row[j])) for j in order]


def _index(pairs):
    """Pad every pair into id arrays: source (N, I) with NULL first, target (N, J), and their masks."""
    source_words = [NULL] + sorted({w for src, _ in pairs for w in src})
    target_words = sorted({w for _, tgt in pairs for w in tgt})
    s_index = {w: i for i, w in enumerate(source_words)}
    t_index = {w: i for i, w in enumerate(target_words)}
    n, i_max, j_max = len(pairs), 1 + max(len(s) for s, _ in pairs), max(len(t) for _, t in pairs)
    src, tgt = np.zeros((n, i_max), dtype=np.int64), np.zeros((n, j_max), dtype=np.int64)
    src_mask, tgt_mask = np.zeros((n, i_max), dtype=bool), np.zeros((n, j_max), dtype=bool)
    for row, (s, t) in enumerate(pairs):
        src[row, :len(s) + 1] = [0] + [s_index[w] for w in s]
        src_mask[row, :len(s) + 1] = True
        tgt[row, :len(t)] = [t_index[w] for w in t]
        tgt_mask[row, :len(t)] = True
    return source_words, target_words, src, tgt, src_mask, tgt_mask


def train_ibm1(pairs, iterations: int = 5) -> IBMModel1:
    """Fit t(f | e) by EM on (source tokens, target tokens) pairs, starting from uniform probabilities."""
    pairs = [(list(s), list(t)) for s, t in pairs]
    if not pairs:
        raise ValueError("train_ibm1 needs at least one sentence pair")
    source_words, target_words, src, tgt, src_mask, tgt_mask = _index(pairs)
    t = np.full((len(source_words), len(target_words)), 1.0 / len(target_words))
    model = IBMModel1(source_words, target_words, t)
    both = src_mask[:, :, None] & tgt_mask[:, None, :]                       # (N, I, J) real (e, f) pairs
    for _ in range(iterations):
        # E-step: p(a_j = i | pair) for every pair, source position i and target position j
        tij = np.where(both, model.t[src[:, :, None], tgt[:, None, :]], 0.0)   # (N, I, J) t(f_j | e_i)
        total = tij.sum(axis=1, keepdims=True)                                # (N, 1, J) sum over source words
        posterior = np.divide(tij, total, out=np.zeros_like(tij), where=total > 0)
        # the data log-likelihood under the current t, up to a constant: sum_j log sum_i t(f_j | e_i)
        model.log_likelihood.append(float(np.log(total[:, 0, :][tgt_mask]).sum()))
        # M-step: add the expected counts into a (source word, target word) table, then normalise rows
        counts = np.zeros_like(model.t)
        np.add.at(counts, (np.broadcast_to(src[:, :, None], both.shape)[both],
                           np.broadcast_to(tgt[:, None, :], both.shape)[both]), posterior[both])
        rows = counts.sum(axis=1, keepdims=True)
        model.t = np.divide(counts, rows, out=np.full_like(counts, 1.0 / len(target_words)), where=rows > 0)
    return model


def viterbi_alignment(model: IBMModel1, source, target) -> list[int]:
    """For each target word, the source position it most probably came from (0 = NULL, i = source word i-1)."""
    words = [NULL] + list(source)
    return [int(np.argmax([model.prob(f, e) for e in words])) for f in target]


def alignment_matrix(model: IBMModel1, source, target) -> np.ndarray:
    """(len(target), 1 + len(source)) posterior p(a_j = i): each row is where target word j came from (column 0: NULL)."""
    words = [NULL] + list(source)
    m = np.array([[model.prob(f, e) for e in words] for f in target])
    return m / np.maximum(m.sum(axis=1, keepdims=True), 1e-300)


def word_table(model: IBMModel1, pairs) -> dict[str, str]:
    """A one-word dictionary from alignment counts: each source word's most often aligned target word.

    Source words that are never the best alignment of any target word (such as "the",
    when the target language has no articles) do not enter the table.
    """
    links: dict[str, Counter] = defaultdict(Counter)
    for source, target in pairs:
        for f, i in zip(target, viterbi_alignment(model, source, target)):
            if i > 0:
                links[source[i - 1]][f] += 1
    return {e: counter.most_common(1)[0][0] for e, counter in links.items()}


def translate_word_by_word(tokens, table: dict[str, str]) -> list[str]:
    """The dictionary baseline: replace each source word that has an entry, keep the source order, drop the rest."""
    return [table[w] for w in tokens if w in table]
