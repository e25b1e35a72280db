"""The recipe of notebooks/04_speech/02_recognition: word HMMs on spoken digits, a CTC recogniser on numbers.

(1) One Gaussian HMM per spoken digit, trained by Baum-Welch on MFCCs of the classification notebook's
keyword corpus, scored by the forward algorithm; (2) a conv + bidirectional GRU recogniser trained with
CTC on spoken numbers ("three hundred and twelve").  The notebook, the ``speech`` benchmark and the
synthesis recipe's judges use these.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from .. import runtime, train
from ..data import speech
from ..settings import Settings
from .classical import speech_frames, subtract_noise_floor
from .classification_recipe import classification_settings, keyword_data
from .ctc_recognizer import CTCRecognizer, CTCRecognizerConfig
from .decoding import CharVocabulary
from .features import dct_matrix, log_mel_spectrogram, mel_spectrogram, power_to_db, spec_augment, warp_frequencies
from .hmm import HMMConfig, IsolatedWordRecognizer


@dataclass
class RecognitionSettings(Settings):
    # part 1: HMMs on the spoken digits of the classification corpus (same speakers, so the same cache)
    hmm_words: tuple[str, ...]
    hmm_states: int                 # per digit: two or three per sound
    hmm_iterations: int             # Baum-Welch iterations
    n_mfcc: int
    # part 2: CTC on spoken numbers, unseen voices
    max_number: int                 # numbers below this
    train_speakers: int
    test_speakers: int
    per_speaker: int                # numbers each speaker says
    n_fft: int                      # log-mel: window, hop and bands
    hop_length: int
    n_mels: int
    channels: int
    hidden: int                     # GRU width
    layers: int
    stride: int                     # input frames per GRU step
    steps: int
    batch: int
    lr: float
    beam: int                       # prefix beam search width


def recognition_settings() -> RecognitionSettings:
    """The per-profile sizes the notebook and the benchmark share."""
    return RecognitionSettings(
        hmm_words=speech.DIGITS,
        hmm_states=8,
        hmm_iterations=runtime.pick(smoke=4, cpu=8, gpu=8),
        n_mfcc=13,
        max_number=1000,
        train_speakers=runtime.pick(smoke=16, cpu=48, gpu=96),
        test_speakers=runtime.pick(smoke=4, cpu=16, gpu=16),
        per_speaker=runtime.pick(smoke=6, cpu=30, gpu=60),
        n_fft=400, hop_length=160, n_mels=40,                 # 25 ms windows every 10 ms
        channels=runtime.pick(smoke=32, cpu=96, gpu=192),
        hidden=runtime.pick(smoke=32, cpu=96, gpu=192),
        layers=2,
        stride=3,                                             # the GRU reads one frame per 30 ms
        steps=runtime.pick(smoke=30, cpu=600, gpu=3000),
        batch=runtime.pick(smoke=16, cpu=32, gpu=64),
        lr=runtime.pick(smoke=3e-3, cpu=3e-3, gpu=2e-3),
        beam=8,
    )


def one_thread() -> int:
    """Threads for this notebook's work: 1 unless ``$AIGC_LAB_THREADS`` says otherwise.  HMM recursions and
    a GRU are many small tensor operations, one per frame: a second thread costs more in hand-offs than it
    saves (the measurement: ``aigc_lab/benchmarks/NOTES.md``)."""
    return int(os.environ.get(runtime.THREADS_VARIABLE) or 1)


# --------------------------------------------------------------------------- part 1: HMM features
def hmm_features(waves: torch.Tensor, sample_rate: int, n_mfcc: int = 13) -> list[torch.Tensor]:
    """(N, T) clips -> N sequences (frames, 2 * n_mfcc): MFCCs and their deltas over the spoken part.

    Per clip: mel power spectrogram, spectral subtraction of the noise floor, dB, DCT
    (MFCCs); keep the frames the voice activity detector marks as speech; subtract the
    MFCCs' mean over those frames (cepstral mean normalisation: removes the channel's
    colouring); append deltas (each frame's change, ``(c[t+1] - c[t-1]) / 2``).
    """
    mel = subtract_noise_floor(mel_spectrogram(waves, sample_rate, 400, 160, 40))           # (N, 40, frames)
    coefficients = (dct_matrix(n_mfcc, 40) @ power_to_db(mel)).double()                     # (N, n_mfcc, frames)
    sequences = []
    for c, power in zip(coefficients, mel):
        start, end = speech_frames(power.numpy(), 25.0)
        c = c[:, max(0, start - 2):end + 2].T                                               # (frames, n_mfcc)
        c = c - c.mean(0)
        padded = torch.cat([c[:1], c, c[-1:]])
        delta = (padded[2:] - padded[:-2]) / 2
        sequences.append(torch.cat([c, delta], dim=1))
    return sequences


def standardise(train_sequences: list[torch.Tensor], *others: list[torch.Tensor]):
    """Scale every feature to zero mean and unit variance over the training frames (then a variance floor
    of 0.01 means the same everywhere)."""
    frames = torch.cat(train_sequences)
    mean, std = frames.mean(0), frames.std(0) + 1e-8
    return [[(s - mean) / std for s in group] for group in (train_sequences, *others)]


def digit_data(settings: RecognitionSettings) -> tuple[list, torch.Tensor, list, torch.Tensor, speech.SpeechCorpus]:
    """HMM features of the classification corpus's digits: (train sequences, labels, test sequences, labels, corpus)."""
    runtime.set_threads(one_thread())
    corpus = keyword_data(classification_settings())
    keep = {w: i for i, w in enumerate(settings["hmm_words"])}
    out = []
    for split in ("train", "test"):
        clips = [c for c in corpus.clips(split) if c.text in keep]
        waves = torch.stack([torch.from_numpy(c.wave) for c in clips])
        out += [hmm_features(waves, corpus.sample_rate, settings["n_mfcc"]), torch.tensor([keep[c.text] for c in clips])]
    x_train, x_test = standardise(out[0], out[2])
    return x_train, out[1], x_test, out[3], corpus


def train_word_hmms(x_train: list, y_train: torch.Tensor, settings: RecognitionSettings) -> IsolatedWordRecognizer:
    config = HMMConfig(n_states=settings["hmm_states"], n_features=x_train[0].shape[1],
                       iterations=settings["hmm_iterations"])
    recogniser = IsolatedWordRecognizer(list(settings["hmm_words"]), config)
    runtime.set_threads(one_thread())
    recogniser.fit(x_train, y_train.tolist())
    return recogniser


# --------------------------------------------------------------------------- part 2: CTC data and training
def number_data(settings: RecognitionSettings, *, progress: bool = False) -> speech.SpeechCorpus:
    return speech.number_corpus(train_speakers=settings["train_speakers"], test_speakers=settings["test_speakers"],
                                per_speaker=settings["per_speaker"], max_number=settings["max_number"], progress=progress)


def ctc_inputs(corpus: speech.SpeechCorpus, split: str, settings: RecognitionSettings, vocabulary: CharVocabulary) -> dict:
    """Log-mels (N, n_mels, T) zero-padded, valid frames (N,), targets (N, L) padded and their lengths (N,)."""
    log_mel = torch.cat([log_mel_spectrogram(chunk, corpus.sample_rate, settings["n_fft"], settings["hop_length"],
                                             settings["n_mels"])
                         for chunk in torch.split(corpus.waves(split), 128)])    # in chunks: the STFT's frames are big
    frames = 1 + corpus.lengths(split) // settings["hop_length"]
    targets = [torch.tensor(vocabulary.encode(t)) for t in corpus.texts(split)]
    return {"log_mel": log_mel, "frames": frames, "texts": corpus.texts(split),
            "targets": torch.nn.utils.rnn.pad_sequence(targets, batch_first=True),
            "target_lengths": torch.tensor([len(t) for t in targets])}


def ctc_batches(data: dict, batch: int, *, seed: int = 0, augment: bool = True):
    """A callable for ``train.fit``: random (log_mel, frames, targets, target_lengths) batches, cut to the
    longest clip in the batch; augmented with a frequency warp and SpecAugment masks (training only)."""
    generator = torch.Generator().manual_seed(seed)

    def next_batch():
        idx = torch.randint(len(data["frames"]), (batch,), generator=generator)
        frames = data["frames"][idx]
        x = data["log_mel"][idx][..., :int(frames.max())]
        if augment:
            x = spec_augment(warp_frequencies(x, max_warp=0.1, generator=generator), freq_masks=2, freq_width=5,
                             time_masks=2, time_width=8, generator=generator)
        lengths = data["target_lengths"][idx]
        return x, frames, data["targets"][idx][:, :int(lengths.max())], lengths

    return next_batch


def train_ctc_recognizer(data: dict, vocabulary: CharVocabulary, settings: RecognitionSettings, *, device=None,
                         progress: bool = False) -> tuple[CTCRecognizer, train.History]:
    """The notebook's recipe: a CTCRecognizer, AdamW with warm-up and cosine decay, augmented batches."""
    runtime.seed_everything(0)
    model = CTCRecognizer(CTCRecognizerConfig(n_mels=settings["n_mels"], vocab_size=len(vocabulary),
                                              channels=settings["channels"], hidden=settings["hidden"],
                                              layers=settings["layers"], stride=settings["stride"]))
    runtime.set_threads(one_thread())
    history = train.fit(model, ctc_batches(data, settings["batch"]), steps=settings["steps"], lr=settings["lr"],
                        warmup=max(1, settings["steps"] // 20), weight_decay=0.01, device=device, progress=progress)
    return model, history
