"""Data whose evidence is known, made hard enough that finding it means something (part 6, explainability).

An explanation method is scored by how much of its attribution falls on the true
evidence.  Planted words alone make that too easy: every method finds "terrible" in
"the soup was terrible".  So the text here carries three traps on top of them:

- **negation**: "the soup was not good" is negative; its evidence is "not" *and* "good";
- **distractors**: a day of the week that agrees with the label in 80% of training
  sentences ("on friday" with good reviews) but decides nothing (50% at test);
- **a shortcut**: the token "sponsored" sits in half of the positive *training* sentences
  and never at test.  A model may learn it; ``with_shortcut`` puts it back into test
  sentences to find out, which gives a second ground truth: where the model's
  prediction flips when the token is added, the token *is* what the model used.

Images: ``shape_evidence`` gives single-shape scenes whose class (circle, square,
triangle) is set by the object, so the object's mask is the evidence; backgrounds and
colours vary and say nothing about the class.

    corpus = evidence_sentences(2000, 300, seed=0)          # a SentimentCorpus (aigc_lab.data.text)
    evidence_mask(corpus.test[0])                            # (T,) bool: the words that set the label
    images = shape_evidence(500, size=32, seed=1)           # .images, .labels, .evidence (N, 32, 32) bool
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from .shapes import SHAPES, single_shapes
from .text import SentimentCorpus, SentimentSentence, sentiment_sentences

SHORTCUT_TOKEN = "sponsored"
# the hard setting: negation in 30% of clauses, label-correlated days, a train-only shortcut token
HARD = dict(negation=0.3, distractor_rate=0.8, test_distractor_rate=0.5, shortcut_rate=0.5)
# planted words alone: no negation, days independent of the label, no shortcut
EASY = dict(negation=0.0, distractor_rate=0.5, test_distractor_rate=0.5, shortcut_rate=0.0)


def evidence_sentences(n_train: int = 2000, n_test: int = 300, *, seed: int = 0, hard: bool = True,
                       shortcut_token: str = SHORTCUT_TOKEN) -> SentimentCorpus:
    """Review sentences (``aigc_lab.data.text.sentiment_sentences``) with the traps above (``hard=True``)
    or with planted sentiment words only (``hard=False``)."""
    return sentiment_sentences(n_train, n_test, seed=seed, shortcut_token=shortcut_token, **(HARD if hard else EASY))


def _positions_mask(n: int, positions) -> torch.Tensor:
    mask = torch.zeros(n, dtype=torch.bool)
    mask[list(positions)] = True
    return mask


def evidence_mask(sentence: SentimentSentence) -> torch.Tensor:
    """(T,) bool: the tokens that set the label (sentiment words and their negators)."""
    return _positions_mask(len(sentence.tokens), sentence.evidence)


def distractor_mask(sentence: SentimentSentence) -> torch.Tensor:
    """(T,) bool: the day words, correlated with the label in training but deciding nothing."""
    return _positions_mask(len(sentence.tokens), sentence.distractors)


def with_shortcut(sentence: SentimentSentence, token: str = SHORTCUT_TOKEN, position: int = 0) -> SentimentSentence:
    """The sentence with ``token`` inserted at ``position`` (0: first), every recorded position shifted to match."""
    if not 0 <= position <= len(sentence.tokens):
        raise ValueError(f"position must be between 0 and {len(sentence.tokens)}, got {position}")
    shift = lambda positions: tuple(p + (p >= position) for p in positions)   # noqa: E731
    tokens = sentence.tokens[:position] + (token,) + sentence.tokens[position:]
    return replace(sentence, tokens=tokens, evidence=shift(sentence.evidence), negators=shift(sentence.negators),
                   distractors=shift(sentence.distractors), shortcut=position)


@dataclass
class EvidenceImages:
    """Images whose class is set by one object, and that object's mask."""

    images: torch.Tensor      # (N, 3, S, S) float32 in [0, 1]
    labels: torch.Tensor      # (N,) int64: 0 circle, 1 square, 2 triangle
    evidence: torch.Tensor    # (N, S, S) bool: the object's pixels
    classes: tuple[str, ...] = SHAPES

    def __len__(self) -> int:
        return len(self.labels)


def shape_evidence(n: int, *, size: int = 32, seed: int = 0, start: int = 0, **layout) -> EvidenceImages:
    """``n`` single-shape scenes (``aigc_lab.data.shapes.single_shapes``) with their evidence masks.

    Objects cover roughly 5% to 15% of a 32-pixel image, so a random importance map
    lands on the evidence about one time in ten.  Use different seeds for training
    and for the images to explain.
    """
    scenes, labels = single_shapes(n, size=size, seed=seed, start=start, **layout)
    return EvidenceImages(scenes.images, labels, scenes.masks > 0)
