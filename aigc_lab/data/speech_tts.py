"""Text-to-speech training data: phoneme ids and phoneme durations (in frames), and batches of examples.

eSpeak NG reports when each phoneme starts (``aigc_lab.data.espeak.alignment``), so every
clip of a corpus comes with a phoneme sequence and, via ``Clip.frame_durations``, how many
spectrogram frames each phoneme lasts: exactly what a FastSpeech-style model learns from,
with no attention and no separate aligner.  The log-mel targets are features, so the speech package
computes them: ``tts_examples`` lives in ``aigc_lab.speech.synthesis_recipe``.

    corpus = speech.number_corpus(single_voice="en-us+m3", ...)
    vocab = PhonemeVocabulary.from_clips(corpus.train)
    examples = tts_examples(corpus.train, vocab, n_fft=512, hop_length=160, n_mels=80)
    batches = tts_batches(examples, batch=16)           # a callable for train.fit
    text_to_phonemes("three hundred and twelve", "en-us+m3")   # ['_', 'T', 'r', "'i:", 'h', ..., '_']
    vocab.text_to_ids("three hundred and twelve", "en-us+m3")  # what the model reads at inference
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .espeak import alignment, strip_stress, synthesise

PAD, SILENCE = "<pad>", "_"


@dataclass
class PhonemeVocabulary:
    symbols: tuple[str, ...]                # symbols[0] is padding, symbols[1] silence

    @classmethod
    def from_clips(cls, clips) -> "PhonemeVocabulary":
        seen = sorted({strip_stress(s.label) for c in clips for s in c.phonemes} - {SILENCE})
        return cls((PAD, SILENCE, *seen))

    def encode(self, phonemes) -> torch.Tensor:
        """Phoneme mnemonics (stress marks dropped) -> (N,) ids; an unknown phoneme is an error."""
        index = {s: i for i, s in enumerate(self.symbols)}
        missing = [p for p in phonemes if strip_stress(p) not in index]
        if missing:
            raise KeyError(f"phonemes {missing} are not in the vocabulary (it was built from the training clips)")
        return torch.tensor([index[strip_stress(p)] for p in phonemes])

    def text_to_ids(self, text: str, voice: str = "en-us") -> torch.Tensor:
        """A text's phonemes as eSpeak NG says them, pauses included, with silence at both ends (as the clips have)."""
        return self.encode(text_to_phonemes(text, voice))

    def __len__(self) -> int:
        return len(self.symbols)


def text_to_phonemes(text: str, voice: str = "en-us") -> list[str]:
    """Grapheme-to-phoneme by eSpeak NG: the phoneme labels its events give, exactly as a clip of ``text`` in
    ``voice`` has them (pauses as ``_``, e.g. between "hundred" and "and"), framed by silence."""
    if not text.strip():
        raise ValueError("text_to_phonemes needs some text to speak")
    wave, _, events = synthesise(text, voice)
    labels = [s.label for s in alignment(events, len(wave))[0]]
    return [SILENCE] * (labels[0] != SILENCE) + labels + [SILENCE] * (labels[-1] != SILENCE)


def collate(examples: list[dict]) -> dict:
    """Pad to the longest: ids/durations (B, N) with 0, log_mel (B, n_mels, T) with the quietest value."""
    n = max(len(e["ids"]) for e in examples)
    t = max(e["log_mel"].shape[-1] for e in examples)
    n_mels = examples[0]["log_mel"].shape[0]
    floor = min(float(e["log_mel"].min()) for e in examples)
    ids = torch.zeros(len(examples), n, dtype=torch.long)
    durations = torch.zeros(len(examples), n, dtype=torch.long)
    log_mel = torch.full((len(examples), n_mels, t), floor)
    frames = torch.zeros(len(examples), dtype=torch.long)
    for i, e in enumerate(examples):
        ids[i, :len(e["ids"])] = e["ids"]
        durations[i, :len(e["ids"])] = e["durations"]
        log_mel[i, :, :e["log_mel"].shape[-1]] = e["log_mel"]
        frames[i] = e["log_mel"].shape[-1]
    return {"ids": ids, "durations": durations, "log_mel": log_mel, "frames": frames}


def tts_batches(examples: list[dict], batch: int, *, seed: int = 0):
    """A callable for ``train.fit``: a random padded mini-batch per call."""
    generator = torch.Generator().manual_seed(seed)

    def next_batch():
        idx = torch.randint(len(examples), (batch,), generator=generator)
        return collate([examples[int(i)] for i in idx])

    return next_batch
