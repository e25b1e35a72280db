"""Entity-level precision, recall and F1: an entity counts only if its whole span and its type are right.

A tagger predicts one tag per token, but what a reader wants are the entities: "Blue
River Bank" as one organisation.  So the tags are first turned back into spans, and
the spans are compared as sets (the CoNLL-2003 scoring, as in ``conlleval`` and ``seqeval``'s
default mode, which tests/test_entities.py checks entity by entity, overall and per type):

    gold = bio_spans(["B-PER", "I-PER", "O", "B-LOC"])    # {(0, 2, "PER"), (3, 4, "LOC")}
    scores = entity_scores([gold_tags, ...], [predicted_tags, ...])
    scores.precision, scores.recall, scores.f1

A predicted entity with one token too many, or the right span with the wrong type,
is a false positive *and* a false negative.  Chinese word segmentation is scored the
same way, with words as spans of characters (:func:`bmes_spans`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

Span = tuple[int, int, str]     # (start, end, type): tokens start .. end - 1


def bio_spans(tags) -> set[Span]:
    """The entities a BIO tag sequence describes, as ``(start, end, type)`` with ``end`` exclusive.

    ``B-X`` starts an entity of type X; ``I-X`` continues it.  An ``I-X`` that cannot
    continue (after ``O``, at the start, or after a different type) starts a new entity,
    as ``conlleval`` reads it, so a tagger that forgets the ``B-`` is not punished twice.
    """
    spans: set[Span] = set()
    start, kind = None, None
    for i, tag in enumerate(list(tags) + ["O"]):         # a final "O" closes the last entity
        prefix, _, tag_type = tag.partition("-")
        continues = prefix == "I" and kind == tag_type
        if start is not None and not continues:        # the open entity ends before token i
            spans.add((start, i, kind))
            start, kind = None, None
        if prefix == "B" or (prefix == "I" and not continues):
            start, kind = i, tag_type
    return spans


def bmes_spans(tags) -> set[Span]:
    """Words of a BMES character tagging as ``(start, end, "W")``; a word ends at E or S.

    Read the same way as :func:`aigc_lab.data.text.words_from_bmes`: the characters
    after the last E or S form a final word.
    """
    spans, start = set(), 0
    tags = list(tags)
    for i, tag in enumerate(tags):
        if tag in ("E", "S"):
            spans.add((start, i + 1, "W"))
            start = i + 1
    if start < len(tags):
        spans.add((start, len(tags), "W"))
    return spans


@dataclass
class EntityScores:
    """Counts over a whole test set, and the three ratios computed from them."""

    tp: int = 0      # predicted entities that are in the gold set (same span, same type)
    fp: int = 0      # predicted entities that are not
    fn: int = 0      # gold entities the prediction missed
    per_type: dict[str, "EntityScores"] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __repr__(self) -> str:
        return (f"EntityScores(precision={self.precision:.3f}, recall={self.recall:.3f}, f1={self.f1:.3f}, "
                f"tp={self.tp}, fp={self.fp}, fn={self.fn})")


def span_scores(gold: list[set[Span]], predicted: list[set[Span]]) -> EntityScores:
    """Micro-averaged scores of predicted span sets against gold ones, sentence by sentence."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold sentences but {len(predicted)} predicted ones")
    total = EntityScores()
    for g, p in zip(gold, predicted):
        for span_set, attribute in ((g & p, "tp"), (p - g, "fp"), (g - p, "fn")):
            setattr(total, attribute, getattr(total, attribute) + len(span_set))
            for _, _, kind in span_set:
                by_type = total.per_type.setdefault(kind, EntityScores())
                setattr(by_type, attribute, getattr(by_type, attribute) + 1)
    total.per_type = dict(sorted(total.per_type.items()))
    return total


def entity_scores(gold_tags: list, predicted_tags: list, scheme: str = "BIO") -> EntityScores:
    """Entity-level scores of tag sequences (``scheme`` "BIO" for entities, "BMES" for words)."""
    to_spans = {"BIO": bio_spans, "BMES": bmes_spans}[scheme]
    for g, p in zip(gold_tags, predicted_tags):
        if len(g) != len(p):
            raise ValueError(f"a sentence has {len(g)} gold tags but {len(p)} predicted ones")
    return span_scores([to_spans(g) for g in gold_tags], [to_spans(p) for p in predicted_tags])


def invalid_bio_transitions(tags) -> int:
    """How many ``I-X`` tags do not follow ``B-X`` or ``I-X``: the mistakes a CRF learns to avoid."""
    count, previous = 0, "O"
    for tag in tags:
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            count += 1
        previous = tag
    return count
