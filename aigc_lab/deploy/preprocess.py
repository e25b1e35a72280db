"""From raw, messy review text to padded word ids: cleaning, tokenising, splitting, normalising.

The generated review corpus (``aigc_lab.data.text.sentiment_sentences``) is tidy: lower-case words,
punctuation as separate tokens.  Real text arrives untidy, so ``messy_reviews`` renders the same
sentences the way a web form or a scrape might deliver them, and the rest of this file undoes it:

    raw = messy_reviews(corpus)                         # [RawReview(text, label)], untidy on purpose
    reviews, report = clean_reviews(raw)                # cleaned, tokenised, de-duplicated, labels fixed
    train_idx, val_idx, test_idx = stratified_split([r.label for r in reviews], (0.8, 0.1, 0.1))
    pipeline = TextPipeline.fit([reviews[i].tokens for i in train_idx], classes)   # vocabulary from train only
    ids = pipeline.encode_texts(["The SOUP was <b>great</b>!"])                    # (1, max_len) int64

It lives beside the export code on purpose: a deployed model is its weights *and* these steps; a
server that cleans or tokenises differently from training feeds the model text it never saw.
``TextPipeline.to_dict`` / ``from_dict`` carry the steps' state as JSON next to the weights.
"""
from __future__ import annotations

import html
import random
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import torch

from ..text.bow import Vocabulary, encode_padded

TAG = re.compile(r"<[^>]*>")                           # <br>, <b>, </b>, <br/>
URL = re.compile(r"https?://\S+|www\.\S+")
INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")  # zero-width characters NFKC keeps
TOKEN = re.compile(r"\w+|[^\w\s]")                     # a run of letters/digits, or one punctuation mark


@dataclass(frozen=True)
class RawReview:
    text: str               # as it arrived: HTML, odd Unicode, capitals, URLs, stray white space
    label: str | None       # as it arrived: "Hotel", " hotel ", "HOTEL" or missing


@dataclass(frozen=True)
class Review:
    tokens: tuple[str, ...]  # cleaned and tokenised
    label: str               # normalised class name


# --------------------------------------------------------------------------- making a mess
def _fullwidth(word: str) -> str:
    """"good" -> "ｇｏｏｄ": the full-width forms some East Asian keyboards type (NFKC folds them back)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in word)


def _messy_text(tokens: tuple[str, ...], rng: random.Random) -> str:
    words = list(tokens)
    for i, w in enumerate(words):
        r = rng.random()
        if r < 0.04:
            words[i] = w.upper()
        elif r < 0.06:
            words[i] = _fullwidth(w)
        elif r < 0.08 and w.isalpha():
            words[i] = f"<b>{w}</b>"
        elif r < 0.09:
            words[i] = w + "\u200b"
    text = ""
    for w in words:   # glue punctuation to the word before it, as people type
        text += w if (TOKEN.fullmatch(w) and not w[0].isalnum()) else (" " if text else "") + w
    text = text[:1].upper() + text[1:]
    if rng.random() < 0.2:
        text = text.replace(" ", rng.choice(["  ", "\u00a0", " \t", "&nbsp;"]), rng.randint(1, 3))
    if rng.random() < 0.1:
        text += rng.choice([" <br/>", "<br>", " <br />"])
    if rng.random() < 0.08:
        text += f" https://reviews.example/r/{rng.randrange(10**6)}"
    return rng.choice(["", " ", "\n"]) + text + rng.choice(["", " ", "\n", "  "])


def _messy_label(label: str, rng: random.Random) -> str | None:
    r = rng.random()
    if r < 0.02:
        return None
    if r < 0.12:
        return label.upper()
    if r < 0.25:
        return label.capitalize()
    if r < 0.30:
        return f" {label} "
    return label


def messy_reviews(corpus, *, target: str = "topic", seed: int = 0, duplicate_rate: float = 0.06,
                  empty_rate: float = 0.01) -> list[RawReview]:
    """Every sentence of ``corpus`` (train and test pooled) rendered untidily, plus duplicates and blanks.

    ``target`` is "topic" (restaurant, hotel, film, phone, book) or "label" ("negative"/"positive").
    About ``duplicate_rate`` of the rows repeat an earlier sentence in a different rendering (so they
    are duplicates only once cleaned), and ``empty_rate`` are blank.  Deterministic for ``seed``.
    """
    if target not in ("topic", "label"):
        raise ValueError(f"target is 'topic' or 'label', not {target!r}")
    rng = random.Random(seed)
    sentences = list(corpus.train) + list(corpus.test)
    name = (lambda s: s.topic) if target == "topic" else (lambda s: ("negative", "positive")[s.label])
    rows = [RawReview(_messy_text(s.tokens, rng), _messy_label(name(s), rng)) for s in sentences]
    for _ in range(round(duplicate_rate * len(sentences))):
        s = sentences[rng.randrange(len(sentences))]
        rows.insert(rng.randrange(len(rows) + 1), RawReview(_messy_text(s.tokens, rng), _messy_label(name(s), rng)))
    for _ in range(round(empty_rate * len(sentences))):
        rows.insert(rng.randrange(len(rows) + 1), RawReview(rng.choice(["", "  ", "<br>", "\n"]), name(sentences[0])))
    return rows


# --------------------------------------------------------------------------- cleaning it up
def clean_text(text: str) -> str:
    """Strip HTML tags, decode entities, fold Unicode (NFKC), drop URLs and invisible characters,
    lower-case, and collapse white space.  The order matters: tags before entities, so that an
    escaped "&lt;b&gt;" stays text; NFKC before lower-casing, so full-width capitals fold too."""
    text = TAG.sub(" ", text)
    text = html.unescape(text)
    text = unicodedata.normalize("NFKC", text)   # "ｇｏｏｄ" -> "good", non-breaking space -> space
    text = INVISIBLE.sub("", text)
    text = URL.sub(" ", text)
    text = text.casefold()
    return " ".join(text.split())


def tokenize(text: str) -> list[str]:
    """Words and single punctuation marks: "the soup, was great." -> [the, soup, ",", was, great, "."]."""
    return TOKEN.findall(text)


def normalise_label(label: str | None) -> str | None:
    """" Hotel " -> "hotel"; missing stays None."""
    return label.strip().casefold() if label is not None else None


def clean_reviews(raw: list[RawReview]) -> tuple[list[Review], dict]:
    """Clean and tokenise every row; drop blank, unlabelled and duplicate rows (duplicates *after* cleaning).

    Returns the kept reviews (first occurrence order) and a report of how many rows each rule dropped.
    """
    kept, seen = [], set()
    report = Counter(rows=len(raw))
    for row in raw:
        tokens = tuple(tokenize(clean_text(row.text)))
        label = normalise_label(row.label)
        if not tokens:
            report["empty"] += 1
        elif label is None:
            report["unlabelled"] += 1
        elif tokens in seen:
            report["duplicate"] += 1
        else:
            seen.add(tokens)
            kept.append(Review(tokens, label))
    report["kept"] = len(kept)
    return kept, dict(report)


# --------------------------------------------------------------------------- splitting
def stratified_split(labels, fractions=(0.8, 0.1, 0.1), *, seed: int = 0) -> list[list[int]]:
    """Indices for each split, with every class spread in the same proportions (shuffled, deterministic)."""
    if abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(f"fractions must add up to 1, got {fractions}")
    rng = random.Random(seed)
    by_class: dict = {}
    for i, y in enumerate(labels):
        by_class.setdefault(y, []).append(i)
    splits: list[list[int]] = [[] for _ in fractions]
    for y in sorted(by_class):
        idx = by_class[y]
        rng.shuffle(idx)
        bounds = [round(sum(fractions[:k]) * len(idx)) for k in range(len(fractions) + 1)]
        for k in range(len(fractions)):
            splits[k] += idx[bounds[k]:bounds[k + 1]]
    for s in splits:
        rng.shuffle(s)
    return splits


# --------------------------------------------------------------------------- normalising to fixed-size ids
@dataclass
class TextPipeline:
    """Everything a server needs to turn raw text into the model's input, fitted on the training split."""

    vocab: Vocabulary
    max_len: int                 # every sentence becomes exactly this many ids (cut or padded with 0)
    classes: list[str]           # class index -> name

    @classmethod
    def fit(cls, token_lists, classes, *, min_count: int = 1) -> "TextPipeline":
        """Vocabulary and length from the training split only: test words stay unseen, as they would be."""
        return cls(Vocabulary.build(token_lists, min_count=min_count), max(len(t) for t in token_lists), list(classes))

    def encode(self, token_lists) -> torch.Tensor:
        """(N, max_len) int64 ids; unknown words get id 1, padding id 0."""
        return encode_padded(token_lists, self.vocab, self.max_len)

    def encode_texts(self, texts) -> torch.Tensor:
        """Raw strings -> ids, through exactly the cleaning and tokenising used for training."""
        return self.encode([tokenize(clean_text(t)) for t in texts])

    def targets(self, labels) -> torch.Tensor:
        return torch.tensor([self.classes.index(y) for y in labels])

    def to_dict(self) -> dict:
        return {"words": self.vocab.words, "max_len": self.max_len, "classes": self.classes}

    @classmethod
    def from_dict(cls, d: dict) -> "TextPipeline":
        return cls(Vocabulary(list(d["words"])), int(d["max_len"]), list(d["classes"]))


# --------------------------------------------------------------------------- all of it in one call
@dataclass
class ReviewSplits:
    """The cleaned, split and encoded review data: what the workflow notebook builds step by step."""

    pipeline: TextPipeline
    x_train: torch.Tensor     # (N, max_len) word ids
    y_train: torch.Tensor     # (N,) class indices
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    report: dict              # rows dropped by each cleaning rule


def review_splits(corpus, *, target: str = "topic", seed: int = 0, fractions=(0.8, 0.1, 0.1)) -> ReviewSplits:
    """messy_reviews -> clean_reviews -> stratified_split -> TextPipeline.fit on train -> encode every split."""
    reviews, report = clean_reviews(messy_reviews(corpus, target=target, seed=seed))
    classes = sorted({r.label for r in reviews})
    train, val, test = stratified_split([r.label for r in reviews], fractions, seed=seed)
    pipeline = TextPipeline.fit([reviews[i].tokens for i in train], classes)
    encode = lambda idx: (pipeline.encode([reviews[i].tokens for i in idx]),
                          pipeline.targets([reviews[i].label for i in idx]))
    return ReviewSplits(pipeline, *encode(train), *encode(val), *encode(test), report)
