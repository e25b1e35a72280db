"""How wrong is a transcript?  Edit distance, character error rate (CER) and word error rate (WER).

The **edit distance** (Levenshtein 1966) between a reference and a hypothesis is the
fewest substitutions, deletions and insertions that turn one into the other, found by
dynamic programming: ``D[i][j]`` is the distance between the first i reference symbols
and the first j hypothesis symbols::

    D[i][0] = i,  D[0][j] = j
    D[i][j] = min(D[i-1][j] + 1,                       # delete ref[i-1]
                  D[i][j-1] + 1,                       # insert hyp[j-1]
                  D[i-1][j-1] + (ref[i-1] != hyp[j-1])) # substitute (free if equal)

An error rate sums the distances over a test set and divides by the total reference
length, so long utterances weigh more (this is how speech papers report it):
CER on characters (spaces included), WER on words.  Insertions can push it above 1.
Both equal ``jiwer``'s ``cer`` and ``wer`` (tests/test_speech_recognition.py checks it), with two
differences: jiwer's ``cer`` strips white space at both ends of each transcript first (here every
character given counts), and where all the references are empty jiwer returns the number of
insertions while these functions raise ``ValueError`` (a rate of nothing is undefined).

    character_error_rate(["seven hundred"], ["seven hunded"])   # 1 / 13
    word_error_rate(["seven hundred"], ["seven hunded"])        # 1 / 2
"""
from __future__ import annotations

from typing import Sequence


def edit_distance(reference: Sequence, hypothesis: Sequence) -> int:
    """Levenshtein distance between two sequences (strings, lists of words, lists of ids)."""
    previous = list(range(len(hypothesis) + 1))              # row i - 1 of D
    for i, r in enumerate(reference, start=1):
        current = [i] + [0] * len(hypothesis)
        for j, h in enumerate(hypothesis, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h))
        previous = current
    return previous[-1]


def _rate(pairs) -> float:
    errors = total = 0
    for reference, hypothesis in pairs:
        errors += edit_distance(reference, hypothesis)
        total += len(reference)
    if total == 0:
        raise ValueError("the references are empty: an error rate needs something to compare against")
    return errors / total


def _check(references, hypotheses) -> None:
    if isinstance(references, str) or isinstance(hypotheses, str):
        raise TypeError("pass lists of transcripts, e.g. [\"seven\"], not a single string")
    if len(references) != len(hypotheses):
        raise ValueError(f"{len(references)} references but {len(hypotheses)} hypotheses")


def character_error_rate(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Total character edits / total reference characters (spaces count as characters)."""
    _check(references, hypotheses)
    return _rate(zip(references, hypotheses))


def word_error_rate(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Total word edits / total reference words (words split on whitespace)."""
    _check(references, hypotheses)
    return _rate((r.split(), h.split()) for r, h in zip(references, hypotheses))
