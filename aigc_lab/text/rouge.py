"""ROUGE: how much of a reference summary a candidate summary recovers (Lin, 2004).

ROUGE counts overlapping pieces between a candidate and a reference:

    ROUGE-N   n-grams (ROUGE-1 single words, ROUGE-2 word pairs), clipped counts:
              overlap = sum over n-grams g of min(count_cand(g), count_ref(g))
              precision = overlap / (n-grams in candidate), recall = overlap / (n-grams in reference)
    ROUGE-L   the longest common subsequence (LCS): words in the same order, gaps allowed
              precision = LCS / len(candidate), recall = LCS / len(reference)
    F1        2 P R / (P + R), 0 when both are 0

    rouge("the cat sat on the mat", "the cat was on the mat")["rouge1"].f1   # 5/6

Texts are lower-cased and split on white space (the course's corpora are already
tokenised; punctuation is its own token); lists of tokens are used as they are.
Google's ``rouge-score`` (without stemming) computes the same scores but tokenises differently:
it replaces every character other than a-z and 0-9 by a space, so punctuation vanishes and
"cat's" is two words.  ``tests/test_summarisation.py`` checks a hand-worked example and agreement
with ``rouge-score``: with its own tokeniser on texts of plain lower-case words, and with its
tokeniser swapped for this one where there is punctuation.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float


def tokens_of(text) -> list[str]:
    """A string is lower-cased and split on white space; a list or tuple of tokens is returned as a list."""
    if isinstance(text, str):
        return text.lower().split()
    return list(text)


def ngrams(tokens, n: int) -> Counter:
    """Counts of the n-grams (as tuples) in a token list: ngrams(["a", "b", "a"], 1) == {("a",): 2, ("b",): 1}."""
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def _score(overlap: int, n_candidate: int, n_reference: int) -> Score:
    precision = overlap / n_candidate if n_candidate else 0.0
    recall = overlap / n_reference if n_reference else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(precision, recall, f1)


def rouge_n(candidate, reference, n: int = 1) -> Score:
    """ROUGE-N with clipped counts: an n-gram the reference holds twice can be matched at most twice."""
    cand, ref = ngrams(tokens_of(candidate), n), ngrams(tokens_of(reference), n)
    overlap = sum((cand & ref).values())            # Counter & Counter keeps min(count_c, count_r)
    return _score(overlap, sum(cand.values()), sum(ref.values()))


def lcs_length(a, b) -> int:
    """Length of the longest common subsequence of two token lists, by dynamic programming.

    table[i][j] is the LCS of a[:i] and b[:j]: one more than table[i-1][j-1] when a[i-1] == b[j-1],
    otherwise the larger of dropping the last token of a or of b.  O(len(a) * len(b)) time.
    """
    table = np.zeros((len(a) + 1, len(b) + 1), dtype=np.int64)
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                table[i, j] = table[i - 1, j - 1] + 1
            else:
                table[i, j] = max(table[i - 1, j], table[i, j - 1])
    return int(table[len(a), len(b)])


def rouge_l(candidate, reference) -> Score:
    """ROUGE-L (sentence level): the LCS counts as the overlap."""
    cand, ref = tokens_of(candidate), tokens_of(reference)
    return _score(lcs_length(cand, ref), len(cand), len(ref))


def rouge(candidate, reference) -> dict[str, Score]:
    """ROUGE-1, ROUGE-2 and ROUGE-L of one candidate against one reference."""
    return {"rouge1": rouge_n(candidate, reference, 1), "rouge2": rouge_n(candidate, reference, 2),
            "rougeL": rouge_l(candidate, reference)}


def corpus_rouge(candidates, references) -> dict[str, float]:
    """Mean F1 of each ROUGE type over paired candidates and references (the usual way to report a system)."""
    candidates, references = list(candidates), list(references)
    if len(candidates) != len(references) or not candidates:
        raise ValueError(f"need as many candidates as references, and at least one; got {len(candidates)} and {len(references)}")
    scores = [rouge(c, r) for c, r in zip(candidates, references)]
    return {kind: float(np.mean([s[kind].f1 for s in scores])) for kind in ROUGE_TYPES}
