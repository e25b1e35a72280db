"""Real speech, offline: corpora synthesised by eSpeak NG with many voices, cached on first use.

Every clip is spoken by the eSpeak NG engine that the ``espeakng-loader`` wheel
ships (see :mod:`aigc_lab.data.espeak`), so nothing is downloaded.  A *speaker* is
an accent (``en-us``, ``en-gb-scotland`` ...), a voice variant (``m3``, ``f2``,
``klatt4`` ... 85 of them), a speaking rate, a pitch and a pitch range.  Corpora
are **split by voice**: the test split's voice variants never occur in training, so
test accuracy is accuracy on unseen voices.  Light noise (white, pink, brown) and
reverberation are mixed in per clip, seeded.  Each clip carries its text, its
waveform and phoneme and word timings from the engine's own events::

    from aigc_lab.data import speech

    corpus = speech.keyword_corpus(speech.DIGITS, train_speakers=40, test_speakers=12)
    x = corpus.waves("train")            # (N, 16000) float32 tensor: 1 s clips at 16 kHz
    y = corpus.labels("train")           # (N,) class ids into corpus.classes
    clip = corpus.test[0]
    clip.text, clip.speaker.voice, clip.wave, clip.sample_rate
    clip.phonemes                        # (Segment("_", 0, 2400), Segment("s", 2400, 3310), ...) in samples
    clip.words                           # (Segment("seven", 2400, 9120),)
    clip.frame_durations(hop_length=160) # frames per phoneme, summing to the spectrogram's frames

    numbers = speech.number_corpus(train_speakers=30, test_speakers=8, per_speaker=10, max_number=1000)
    numbers.train[0].text, numbers.train[0].label      # "three hundred and twelve", 312
    sentences = speech.sentence_corpus()             # clean by default: "turn off the lamp in the kitchen" ...
    tts = speech.sentence_corpus(single_voice="en-us+m3", train_speakers=1, per_speaker=500)   # one voice

    wave, sr, events = speech.synthesise("hello there", voice="en+f3", rate=150, pitch=60, sample_rate=16000)

Generation runs once per corpus specification, in a fresh worker process (so the
audio repeats exactly for a seed and engine version), and lands in
``datasets/cache/speech/<kind>-<key>/`` (or under ``$AIGC_LAB_DATA_DIR``, or a
``root=`` argument) as ``audio.npy`` (int16) plus ``manifest.json`` with the
specification, the engine's version, a SHA-256 of the audio and every clip's
metadata.  Files are written atomically under a file lock, so parallel test workers
never race; a changed engine version, specification or checksum regenerates.  If
the engine cannot be loaded, :class:`SpeechEngineError` says how to fix it.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from .cache import DATA_DIR_VARIABLE, cache_root, file_lock, sha256, write_atomically  # noqa: F401
from .espeak import (ENGINE_RATE, Event, Segment, SpeechEngineError, Synthesis, alignment, engine, engine_info,  # noqa: F401
                     is_pause, package_version, phonemize, resample, strip_stress, synthesise)
from .text import number_to_words

FORMAT_VERSION = 2               # bump whenever the generator changes what a specification produces

DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
COMMANDS = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")
KEYWORDS = DIGITS + COMMANDS
ACCENTS = ("en", "en-us", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029", "en-us-nyc")
# eSpeak NG's voice variants (espeak-ng-data/voices/!v), without the robotic, whispered and unstable ones
FEMALE_VOICES = ("Alicia", "Andrea", "Annie", "anika", "aunty", "belinda", "f1", "f2", "f3", "f4", "f5", "grandma",
                 "linda", "shelby", "steph", "steph2", "steph3", "zac")
MALE_VOICES = ("Alex", "Andy", "AnxiousAndy", "Denis", "Diogo", "Gene", "Gene2", "Henrique", "Hugo", "Jacky", "Lee",
               "Marco", "Mario", "Michael", "Mike", "Nguyen", "Reed", "Storm", "Tweaky", "adam", "announcer", "antonio",
               "benjamin", "boris", "croak", "david", "ed", "edward", "edward2", "grandpa", "gustave", "ian", "iven",
               "iven2", "iven3", "iven4", "john", "kaukovalta", "klatt", "klatt2", "klatt3", "klatt4", "klatt5", "klatt6",
               "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "marcelo", "max", "michel", "miguel", "mike2", "norbert",
               "pablo", "paul", "pedro", "quincy", "rob", "robert", "sandro", "travis", "victor")
VOICES = FEMALE_VOICES + MALE_VOICES


# --------------------------------------------------------------------------- specifications
@dataclass(frozen=True)
class Speaker:
    name: str            # "train-07", "test-02"
    accent: str          # eSpeak NG language: "en-us", "en-gb-scotland" ...
    variant: str         # the voice: "m3", "f2", "klatt4" ...; splits never share one
    rate: int            # words per minute
    pitch: int           # 0-100
    pitch_range: int     # 0-100

    @property
    def voice(self) -> str:
        return f"{self.accent}+{self.variant}"


@dataclass(frozen=True)
class Augmentation:
    snr_db: tuple[float, float] | None = (10.0, 30.0)   # noise at a uniform SNR over the whole clip; None: no noise
    colours: tuple[str, ...] = ("white", "pink", "brown")
    reverb_probability: float = 0.3
    rt60: tuple[float, float] = (0.15, 0.5)             # reverberation time, seconds
    gain_db: tuple[float, float] = (-12.0, 0.0)          # loudness, relative to a peak of 0.5


NOISY = Augmentation()
CLEAN = Augmentation(snr_db=None, reverb_probability=0.0, gain_db=(0.0, 0.0))


@dataclass(frozen=True)
class CorpusSpec:
    kind: str = "keywords"               # "keywords" | "numbers" | "sentences"
    words: tuple[str, ...] = KEYWORDS    # keywords only: the classes
    train_speakers: int = 48
    test_speakers: int = 12
    per_speaker: int = 1                 # keywords: times each speaker says each word; else phrases per speaker
    sample_rate: int = 16000
    clip_seconds: float | None = 1.0     # fixed clip length, or None: the phrase plus 50-200 ms of silence each side
    max_number: int = 1000               # numbers only: 0 <= n < max_number
    augmentation: Augmentation = NOISY
    test_voice_fraction: float = 0.25
    single_voice: str | None = None      # e.g. "en-us+m3": every clip in one voice at the default rate and
    #                                      pitch (single-speaker synthesis data; train and test share the voice)
    seed: int = 0

    def key(self) -> str:
        text = json.dumps({"format": FORMAT_VERSION, **asdict(self)}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


# --------------------------------------------------------------------------- clips and corpora
@dataclass(frozen=True, eq=False)
class Clip:
    text: str
    label: int                       # keywords: class id; numbers: the number; sentences: -1
    split: str                       # "train" | "test"
    speaker: Speaker
    sample_rate: int
    phonemes: tuple[Segment, ...]    # tile the clip; "_" is silence
    words: tuple[Segment, ...]
    snr_db: float | None             # None: no noise added
    rt60: float | None               # None: no reverberation
    audio: np.ndarray = field(repr=False)   # int16 samples (a view into the corpus's array)

    @property
    def wave(self) -> np.ndarray:
        """(T,) float32 in [-1, 1]."""
        return self.audio.astype(np.float32) / 32768.0

    @property
    def seconds(self) -> float:
        return len(self.audio) / self.sample_rate

    def frame_durations(self, hop_length: int, n_frames: int | None = None) -> np.ndarray:
        """Frames per phoneme for a centred STFT with this hop (frame f sits at sample f * hop).

        The counts sum to ``n_frames`` (default ``1 + len // hop``, what ``stft(center=True)``
        gives): the durations a FastSpeech-style model learns to predict.
        """
        n_frames = n_frames or 1 + len(self.audio) // hop_length
        centres = np.minimum(np.arange(n_frames) * hop_length, len(self.audio) - 1)
        ends = np.array([s.end for s in self.phonemes])
        owner = np.searchsorted(ends, centres, side="right")          # first phoneme ending after the centre
        return np.bincount(np.minimum(owner, len(ends) - 1), minlength=len(ends))


@dataclass(eq=False)
class SpeechCorpus:
    spec: CorpusSpec
    classes: tuple[str, ...]         # keywords: the words; otherwise empty
    train: list[Clip]
    test: list[Clip]
    path: Path                       # the cache folder
    engine: dict                     # {"package": "0.2.4", "espeak_ng": "1.52.0", ...}

    @property
    def sample_rate(self) -> int:
        return self.spec.sample_rate

    def clips(self, split: str = "train") -> list[Clip]:
        if split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', not {split!r}")
        return self.train if split == "train" else self.test

    def waves(self, split: str = "train") -> torch.Tensor:
        """(N, T) float32, zero-padded at the end to the longest clip."""
        clips = self.clips(split)
        out = torch.zeros(len(clips), max(len(c.audio) for c in clips))
        for i, c in enumerate(clips):
            out[i, :len(c.audio)] = torch.from_numpy(c.audio.astype(np.float32) / 32768.0)
        return out

    def lengths(self, split: str = "train") -> torch.Tensor:
        return torch.tensor([len(c.audio) for c in self.clips(split)])

    def labels(self, split: str = "train") -> torch.Tensor:
        return torch.tensor([c.label for c in self.clips(split)])

    def texts(self, split: str = "train") -> list[str]:
        return [c.text for c in self.clips(split)]

    def voices(self, split: str = "train") -> list[str]:
        return sorted({c.speaker.variant for c in self.clips(split)})


# --------------------------------------------------------------------------- what is said, by whom
def voice_split(seed: int = 0, test_fraction: float = 0.25) -> tuple[list[str], list[str]]:
    """(train voices, test voices): a seeded shuffle, the same fraction of female and male voices in each."""
    rng = random.Random(seed)
    train, test = [], []
    for group in (FEMALE_VOICES, MALE_VOICES):
        shuffled = rng.sample(group, len(group))
        n_test = max(1, round(test_fraction * len(group)))
        test += shuffled[:n_test]
        train += shuffled[n_test:]
    return sorted(train), sorted(test)


def make_speakers(n: int, voices: list[str], rng: random.Random, prefix: str) -> list[Speaker]:
    """``n`` speakers cycling through the shuffled ``voices``, each with a random accent, rate and pitch."""
    pool: list[str] = []
    speakers = []
    for i in range(n):
        if not pool:
            pool = rng.sample(voices, len(voices))
        speakers.append(Speaker(f"{prefix}-{i:02d}", rng.choice(ACCENTS), pool.pop(), rate=rng.randint(130, 210),
                                pitch=rng.randint(30, 70), pitch_range=rng.randint(30, 80)))
    return speakers


_DEVICES = ("light", "lamp", "fan", "radio", "heater", "television")
_ROOMS = ("kitchen", "bedroom", "hall", "garden", "office", "bathroom")
_NAMES = ("anna", "david", "maria", "peter", "sofia", "tom")


def short_sentence(rng: random.Random) -> str:
    """A spoken command to a home assistant, from a small grammar (about 60 words)."""
    pick = rng.choice
    templates = (
        lambda: f"turn {pick(('on', 'off'))} the {pick(_DEVICES)} in the {pick(_ROOMS)}",
        lambda: f"switch {pick(('on', 'off'))} the {pick(_ROOMS)} {pick(_DEVICES)}",
        lambda: f"{pick(('open', 'close'))} the {pick(_ROOMS)} {pick(('door', 'window', 'blinds'))}",
        lambda: f"set a timer for {number_to_words(rng.randint(2, 20))} minutes",
        lambda: f"play {pick(('some music', 'the news', 'a song'))} in the {pick(_ROOMS)}",
        lambda: f"what is the weather like {pick(('today', 'tomorrow', 'tonight'))}",
        lambda: f"wake me up at {number_to_words(rng.randint(1, 12))}",
        lambda: f"call {pick(_NAMES)} {pick(('now', 'later', 'tomorrow'))}",
    )
    return pick(templates)()


def _validate(spec: CorpusSpec) -> None:
    if spec.kind not in ("keywords", "numbers", "sentences"):
        raise ValueError(f"kind must be 'keywords', 'numbers' or 'sentences', not {spec.kind!r}")
    if spec.kind == "keywords" and (not spec.words or len(set(spec.words)) != len(spec.words)):
        raise ValueError("a keyword corpus needs a list of distinct words")
    if spec.single_voice and spec.single_voice.partition("+")[2] not in ("", *VOICES):
        raise ValueError(f"unknown voice variant in {spec.single_voice!r}; choose one of speech.VOICES")


def _plan(spec: CorpusSpec) -> list[dict]:
    """Every clip to make, in order: split, speaker, text, label and the engine's settings."""
    _validate(spec)
    train_voices, test_voices = voice_split(spec.seed, spec.test_voice_fraction)
    jitter = 0 if spec.single_voice else 1
    plan = []
    for split, n, voices in (("train", spec.train_speakers, train_voices), ("test", spec.test_speakers, test_voices)):
        rng = random.Random(f"{spec.seed}:{split}")   # one stream per split: the test set does not move with n_train
        if spec.single_voice:
            accent, _, variant = spec.single_voice.partition("+")
            speakers = [Speaker(f"{split}-{i:02d}", accent, variant or "m1", 175, 50, 50) for i in range(n)]
        else:
            speakers = make_speakers(n, voices, rng, split)
        for speaker in speakers:
            if spec.kind == "keywords":
                items = [(w, i) for i, w in enumerate(spec.words) for _ in range(spec.per_speaker)]
            elif spec.kind == "numbers":
                items = [(number_to_words(k), k) for k in (rng.randrange(spec.max_number) for _ in range(spec.per_speaker))]
            else:
                items = [(short_sentence(rng), -1) for _ in range(spec.per_speaker)]
            for text, label in items:   # each take varies the speaker's rate and pitch a little
                plan.append({"split": split, "speaker": speaker, "text": text, "label": label,
                             "rate": min(450, max(80, speaker.rate + jitter * rng.randint(-12, 12))),
                             "pitch": min(100, max(0, speaker.pitch + jitter * rng.randint(-4, 4)))})
    return plan


# --------------------------------------------------------------------------- noise and reverberation
def coloured_noise(n: int, colour: str, rng: np.random.Generator) -> np.ndarray:
    """Unit-power noise whose power falls as 1/f^0 (white), 1/f (pink) or 1/f^2 (brown)."""
    exponent = {"white": 0.0, "pink": 1.0, "brown": 2.0}[colour]
    noise = rng.standard_normal(n)
    if exponent:
        spectrum = np.fft.rfft(noise)
        f = np.arange(len(spectrum), dtype=np.float64)
        spectrum[1:] /= f[1:] ** (exponent / 2)  # amplitude ~ f^(-exponent/2), power ~ f^-exponent
        spectrum[0] = 0.0
        noise = np.fft.irfft(spectrum, n)
    return noise / np.sqrt(np.mean(noise ** 2))


def mix_at_snr(speech: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """``speech + a * noise`` with ``a`` chosen so that 10 log10(P_speech / P_scaled noise) = snr_db.

    Powers are mean squares over the whole (equal-length) arrays.
    """
    p_speech, p_noise = np.mean(speech ** 2), np.mean(noise ** 2)
    return speech + noise * np.sqrt(p_speech / (p_noise * 10 ** (snr_db / 10)))


def reverberate(wave: np.ndarray, sample_rate: int, rt60: float, rng: np.random.Generator) -> np.ndarray:
    """Convolve with a synthetic room: a direct path plus exponentially decaying noise (-60 dB after rt60 s).

    The output is ``len(wave) + rt60 * sample_rate`` samples long (the reverberant tail).
    """
    t = np.arange(int(rt60 * sample_rate)) / sample_rate
    tail = rng.standard_normal(len(t)) * 10 ** (-3 * t / rt60)          # amplitude -60 dB at t = rt60
    tail *= np.sqrt(10 ** (-rng.uniform(3, 10) / 10) / np.sum(tail ** 2))  # direct-to-reverberant ratio 3-10 dB
    response = np.concatenate([[1.0], tail[1:]])
    n = len(wave) + len(response) - 1
    size = 1 << (n - 1).bit_length()
    return np.fft.irfft(np.fft.rfft(wave, size) * np.fft.rfft(response, size), size)[:n]


def _finish(raw: np.ndarray, events: list[Event], spec: CorpusSpec, rng: np.random.Generator) -> tuple:
    """One clip from the engine's int16 output: resample, loudness, reverb, placement, noise."""
    aug, sr = spec.augmentation, spec.sample_rate
    x = resample(raw.astype(np.float32) / 32768.0, ENGINE_RATE, sr).astype(np.float64)
    events = [Event(e.kind, int(round(e.sample * sr / ENGINE_RATE)), e.text_position, e.length, e.name) for e in events]
    x *= 0.5 * 10 ** (rng.uniform(*aug.gain_db) / 20) / max(1e-6, np.abs(x).max())
    rt60 = None
    if aug.reverb_probability and rng.random() < aug.reverb_probability:
        rt60 = float(rng.uniform(*aug.rt60))
        x = reverberate(x, sr, rt60, rng)
    if spec.clip_seconds is not None:
        total = int(round(spec.clip_seconds * sr))
        x = x[:total]
        offset = int(rng.integers(0, total - len(x) + 1))
    else:
        offset = int(rng.integers(sr // 20, sr // 5))
        total = offset + len(x) + int(rng.integers(sr // 20, sr // 5))
    placed = np.zeros(total)
    placed[offset:offset + len(x)] = x
    snr = None
    if aug.snr_db is not None:
        snr = float(rng.uniform(*aug.snr_db))
        placed = mix_at_snr(placed, coloured_noise(total, str(rng.choice(aug.colours)), rng), snr)
    audio = (np.clip(placed, -1, 32767 / 32768) * 32768).astype(np.int16)
    phonemes, words = alignment(events, total, offset)
    return audio, phonemes, words, snr, rt60


# --------------------------------------------------------------------------- the cache
def _read_cache(folder: Path, spec: CorpusSpec) -> tuple[dict, np.ndarray] | None:
    """The cached manifest and audio if they are complete, current and intact; else None."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
        audio = np.load(folder / "audio.npy")
    except (OSError, ValueError):
        return None
    if (manifest.get("format") != FORMAT_VERSION or manifest.get("key") != spec.key()
            or manifest.get("engine", {}).get("package") != package_version()
            or manifest.get("audio_sha256") != sha256(audio.tobytes())):
        return None
    return manifest, audio


def _run_worker(jobs: list[dict], seed: int) -> tuple[list[np.ndarray], list[list[Event]], str]:
    """Synthesise the jobs in a fresh process (``python -m aigc_lab.data.espeak``): the same audio every time."""
    engine()   # fail here, with the fix, if the engine cannot be loaded
    package_parent = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")])))
    with tempfile.TemporaryDirectory(prefix="aigc-speech-") as tmp:
        request, result = Path(tmp) / "jobs.json", Path(tmp) / "audio.npz"
        request.write_text(json.dumps({"seed": seed, "jobs": jobs}))
        done = subprocess.run([sys.executable, "-m", "aigc_lab.data.espeak", str(request), str(result)],
                              env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SpeechEngineError(f"the speech worker failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
        with np.load(result) as data:
            audio, lengths, version = data["audio"], data["lengths"], str(data["version"])
            timings = json.loads(str(data["events"]))
    starts = np.concatenate([[0], np.cumsum(lengths)])
    waves = [audio[starts[i]:starts[i + 1]] for i in range(len(lengths))]
    return waves, [[Event(*e) for e in clip] for clip in timings], version


def _generate(spec: CorpusSpec, folder: Path, progress: bool) -> tuple[dict, np.ndarray]:
    plan = _plan(spec)
    if progress:
        print(f"speech: synthesising {len(plan)} clips with eSpeak NG into {folder} (first use; cached afterwards)",
              file=sys.stderr, flush=True)
    jobs = [{"text": p["text"], "voice": p["speaker"].voice, "rate": p["rate"], "pitch": p["pitch"],
             "pitch_range": p["speaker"].pitch_range} for p in plan]
    raw_waves, raw_events, version = _run_worker(jobs, spec.seed)
    pieces, clips, start = [], [], 0
    for i, (p, raw, events) in enumerate(zip(plan, raw_waves, raw_events)):
        audio, phonemes, words, snr, rt60 = _finish(raw, events, spec, np.random.default_rng([spec.seed, i]))
        pieces.append(audio)
        clips.append({"split": p["split"], "text": p["text"], "label": p["label"], "speaker": asdict(p["speaker"]),
                      "start": start, "length": len(audio), "snr_db": snr, "rt60": rt60,
                      "phonemes": [list(vars(s).values()) for s in phonemes],
                      "words": [list(vars(s).values()) for s in words]})
        start += len(audio)
    audio = np.concatenate(pieces)
    manifest = {"format": FORMAT_VERSION, "key": spec.key(), "spec": asdict(spec),
                "engine": {"package": package_version(), "espeak_ng": version, "sample_rate": ENGINE_RATE},
                "audio_sha256": sha256(audio.tobytes()), "samples": len(audio), "clips": clips}
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(folder / "audio.npy", lambda f: np.save(f, audio))         # the audio first,
    write_atomically(folder / "manifest.json", lambda f: f.write(json.dumps(manifest).encode()))  # then its manifest
    return manifest, audio


def load_corpus(spec: CorpusSpec, *, root: str | Path | None = None, progress: bool = True) -> SpeechCorpus:
    """The corpus for ``spec``: read from the cache, or synthesised (once, under a lock) and cached."""
    _validate(spec)
    folder = cache_root(root) / "speech" / f"{spec.kind}-{spec.key()}"
    cached = _read_cache(folder, spec)
    if cached is None:
        folder.parent.mkdir(parents=True, exist_ok=True)
        with file_lock(folder.parent / f"{folder.name}.lock"):
            cached = _read_cache(folder, spec)                 # another process may have made it meanwhile
            if cached is None:
                cached = _generate(spec, folder, progress)
    manifest, audio = cached
    audio.flags.writeable = False
    splits: dict[str, list[Clip]] = {"train": [], "test": []}
    for c in manifest["clips"]:
        splits[c["split"]].append(Clip(
            c["text"], c["label"], c["split"], Speaker(**c["speaker"]), spec.sample_rate,
            tuple(Segment(*s) for s in c["phonemes"]), tuple(Segment(*s) for s in c["words"]),
            c["snr_db"], c["rt60"], audio[c["start"]:c["start"] + c["length"]]))
    classes = tuple(spec.words) if spec.kind == "keywords" else ()
    return SpeechCorpus(spec, classes, splits["train"], splits["test"], folder, manifest["engine"])


# --------------------------------------------------------------------------- the three corpora
def keyword_corpus(words=KEYWORDS, *, train_speakers: int = 48, test_speakers: int = 12, per_speaker: int = 1,
                   sample_rate: int = 16000, clip_seconds: float = 1.0, augmentation: Augmentation = NOISY,
                   seed: int = 0, root: str | Path | None = None, progress: bool = True) -> SpeechCorpus:
    """Spoken words for classification (digits, commands ...), one-second clips; label = index into ``words``."""
    spec = CorpusSpec("keywords", tuple(words), train_speakers, test_speakers, per_speaker, sample_rate, clip_seconds,
                      augmentation=augmentation, seed=seed)
    return load_corpus(spec, root=root, progress=progress)


def number_corpus(*, train_speakers: int = 40, test_speakers: int = 10, per_speaker: int = 10, max_number: int = 1000,
                  sample_rate: int = 16000, augmentation: Augmentation = NOISY, single_voice: str | None = None,
                  seed: int = 0, root: str | Path | None = None, progress: bool = True) -> SpeechCorpus:
    """Spoken numbers ("three hundred and twelve") for recognition; label = the number."""
    spec = CorpusSpec("numbers", (), train_speakers, test_speakers, per_speaker, sample_rate, None, max_number,
                      augmentation, single_voice=single_voice, seed=seed)
    return load_corpus(spec, root=root, progress=progress)


def sentence_corpus(*, train_speakers: int = 40, test_speakers: int = 10, per_speaker: int = 10,
                    sample_rate: int = 16000, augmentation: Augmentation = CLEAN, single_voice: str | None = None,
                    seed: int = 0, root: str | Path | None = None, progress: bool = True) -> SpeechCorpus:
    """Short spoken commands ("turn off the lamp in the kitchen") for recognition and synthesis; label -1.

    ``single_voice="en-us+m3"`` gives single-speaker data (what a small text-to-speech model learns from):
    ``train_speakers * per_speaker`` training sentences, all in that voice.
    """
    spec = CorpusSpec("sentences", (), train_speakers, test_speakers, per_speaker, sample_rate, None,
                      augmentation=augmentation, single_voice=single_voice, seed=seed)
    return load_corpus(spec, root=root, progress=progress)
