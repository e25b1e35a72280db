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

Audio: ``spoken_evidence`` gives clips of two spoken words by one voice, a command
("yes", "left", "stop" ...) and a digit, in either order, over noise.  The label is
the command; the digit is a distractor that is speech too, so "where is someone
talking" is not the answer.  The evidence is the command's time span, known from the
speech engine's word events.

    corpus = evidence_sentences(2000, 300, seed=0)          # a SentimentCorpus (aigc_lab.data.text)
    evidence_mask(corpus.test[0])                            # (T,) bool: the words that set the label
    images = shape_evidence(500, size=32, seed=1)           # .images, .labels, .evidence (N, 32, 32) bool
    clips = spoken_evidence(train_speakers=12, test_speakers=4)  # .train / .test: waves, labels, spans
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
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


# --------------------------------------------------------------------------- audio
@dataclass
class EvidenceClips:
    """Two-word clips whose class is set by one word, and that word's time span."""

    waves: torch.Tensor       # (N, samples) float32
    labels: torch.Tensor      # (N,) int64: index into ``classes``
    spans: torch.Tensor       # (N, 2) int64: the command's first and one-past-last sample
    distractor_spans: torch.Tensor   # (N, 2) int64: the digit's span
    texts: list[str]          # what is said, in order: "seven left"
    voices: list[str]         # the speaker's voice variant (train and test never share one)
    sample_rate: int
    classes: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.labels)

    def frame_evidence(self, hop_length: int, n_frames: int, n_mels: int) -> torch.Tensor:
        """(N, n_mels, n_frames) bool: the frames of a centred STFT (frame f at sample f * hop) inside the
        command's span, every mel band of them: a spectrogram's evidence."""
        centres = torch.arange(n_frames) * hop_length                          # (F,)
        inside = (centres >= self.spans[:, :1]) & (centres < self.spans[:, 1:])  # (N, F)
        return inside[:, None, :].expand(-1, n_mels, -1).clone()


@dataclass
class SpokenEvidence:
    train: EvidenceClips
    test: EvidenceClips


def _two_word_clip(command, digit, command_first: bool, length: int, rng: np.random.Generator,
                   margin: int, snr_db: float) -> tuple[np.ndarray, tuple[int, int], tuple[int, int]]:
    """Cut both words out of their clips (with ``margin`` samples either side), lay them out with a random
    lead-in and gap, add fresh noise over the whole clip; return the wave and both words' spans."""
    pieces = []
    for clip in ((command, digit) if command_first else (digit, command)):
        word = clip.words[0]
        start, end = max(0, word.start - margin), min(len(clip.audio), word.end + margin)
        pieces.append((clip.wave[start:end], word.start - start, word.end - start))
    spoken = sum(len(p[0]) for p in pieces)
    slack = max(0, length - spoken)
    lead = int(rng.uniform(0, 0.6) * slack)
    gap = int(rng.uniform(0.2, 1.0) * (slack - lead))
    wave, spans, at = np.zeros(length, np.float32), [], lead
    for piece, (audio, word_start, word_end) in zip(range(2), pieces):
        audio = audio[:max(0, length - at)]
        wave[at:at + len(audio)] = audio
        spans.append((min(length, at + word_start), min(length, at + word_end)))
        at += len(audio) + (gap if piece == 0 else 0)
    from .speech import coloured_noise, mix_at_snr

    noise = coloured_noise(length, str(rng.choice(["white", "pink"])), rng)
    wave = mix_at_snr(wave, noise, snr_db).astype(np.float32)
    command_span, digit_span = (spans[0], spans[1]) if command_first else (spans[1], spans[0])
    return wave, command_span, digit_span


def _pairs(clips, partners: int, length: int, rng: np.random.Generator, margin: int, snr_db: tuple[float, float],
           classes: tuple[str, ...], sample_rate: int) -> EvidenceClips:
    from .speech import DIGITS

    by_speaker: dict[str, dict[str, object]] = {}
    for clip in clips:
        by_speaker.setdefault(clip.speaker.name, {})[clip.text] = clip
    waves, labels, spans, distractors, texts, voices = [], [], [], [], [], []
    for name in sorted(by_speaker):
        words = by_speaker[name]
        digits = [words[d] for d in DIGITS if d in words]
        for label, command in enumerate(classes):
            if command not in words or not digits:
                continue
            for digit_index in rng.choice(len(digits), size=min(partners, len(digits)), replace=False):
                digit = digits[int(digit_index)]
                first = bool(rng.random() < 0.5)
                wave, span, digit_span = _two_word_clip(words[command], digit, first, length, rng, margin,
                                                        float(rng.uniform(*snr_db)))
                waves.append(torch.from_numpy(wave))
                labels.append(label)
                spans.append(span)
                distractors.append(digit_span)
                texts.append(f"{command} {digit.text}" if first else f"{digit.text} {command}")
                voices.append(words[command].speaker.variant)
    return EvidenceClips(torch.stack(waves), torch.tensor(labels), torch.tensor(spans), torch.tensor(distractors),
                         texts, voices, sample_rate, classes)


def spoken_evidence(*, train_speakers: int = 48, test_speakers: int = 12, partners: int = 2, seconds: float = 1.5,
                    snr_db: tuple[float, float] = (10.0, 30.0), seed: int = 0, progress: bool = False) -> SpokenEvidence:
    """Two-word clips from the speech chapter's keyword corpus: each speaker's every command with ``partners``
    of their own digits (the test split: one), at a random order, lead-in and gap, over white or pink noise.

    Test speakers use voices that training never heard (``aigc_lab.data.speech``'s voice split).  The
    corpus is synthesised by eSpeak NG on first use and cached under ``datasets/``.
    """
    from . import speech

    if partners < 1:
        raise ValueError(f"partners must be at least 1, got {partners}")
    corpus = speech.keyword_corpus(speech.KEYWORDS, train_speakers=train_speakers, test_speakers=test_speakers,
                                   progress=progress)
    rng = np.random.default_rng(seed)
    length, margin = int(seconds * corpus.sample_rate), int(0.03 * corpus.sample_rate)
    options = dict(length=length, rng=rng, margin=margin, snr_db=snr_db, classes=speech.COMMANDS,
                   sample_rate=corpus.sample_rate)
    return SpokenEvidence(_pairs(corpus.train, partners, **options), _pairs(corpus.test, 1, **options))
