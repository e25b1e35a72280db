"""The eSpeak NG speech engine, driven through ctypes: text in, waveform and phoneme timings out.

The ``espeakng-loader`` wheel from PyPI ships eSpeak NG's shared library and its
voice data, so no system package is needed.  This module loads that library with
``ctypes`` and calls five functions of its C API (``speak_lib.h``)::

    espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path, PHONEME_EVENTS)  -> 22050 (Hz)
    espeak_SetSynthCallback(callback)        # receives audio chunks and timing events
    espeak_SetVoiceByName(b"en-us+f3")       # language (accent) + variant (voice)
    espeak_Synth(text, ...); espeak_Synchronize()

The callback gets 16-bit samples and an array of events: a *word* event where each
word starts, a *phoneme* event where each phoneme starts (with its mnemonic, e.g.
``'E`` or ``n``).  Those events are the alignments the recognition and synthesis
notebooks use.  Usually you call :func:`aigc_lab.data.speech.synthesise`, which is
this module's :func:`synthesise`::

    wave, sr, events = synthesise("three hundred and twelve", voice="en-us+m3", sample_rate=16000)
    phonemes, words = alignment(events, len(wave))   # Segment(label, start, end) in samples

Only numpy is imported here (no torch), so a fresh worker process starts fast:
``python -m aigc_lab.data.espeak JOBS.json OUT.npz`` synthesises a list of jobs in a
new process.  The corpus builder uses it because eSpeak NG keeps state between calls
(its pitch-flutter phase and random generator): the same call twice in one process
gives slightly different audio, whereas the same list of calls in a fresh process
gives the same audio every time.
"""
from __future__ import annotations

import ctypes
import json
import math
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

PACKAGE = "espeakng-loader"
PINNED_VERSION = "0.2.4"          # requirements.txt pins exactly this; the speech cache records it
ENGINE_RATE = 22050               # Hz: what eSpeak NG synthesises at
FIX = ("pip install -r requirements.txt (it installs espeakng-loader==0.2.4, which ships the eSpeak NG "
       "library and voices; no system package needed), then run `aigc-lab doctor`")

# speak_lib.h constants
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_CHARS_UTF8 = 1
_EVENT_NAMES = {1: "word", 2: "sentence", 5: "end", 7: "phoneme"}   # 0 ends the list; others are skipped
_RATE, _PITCH, _RANGE = 1, 3, 4                                     # espeak_PARAMETER


class SpeechEngineError(RuntimeError):
    """The eSpeak NG engine cannot be loaded or initialised; the message says how to fix it."""


# --------------------------------------------------------------------------- records
@dataclass(frozen=True)
class Event:
    kind: str            # "word" | "phoneme" | "sentence" | "end"
    sample: int          # where it starts, in samples at the returned sample rate
    text_position: int   # 0-based character index of its word in the text
    length: int          # word events: the word's length in characters (else 0)
    name: str            # phoneme events: eSpeak's mnemonic ("'E", "n", "_:" = pause); word events: the word
    #                      (or words: eSpeak speaks some pairs, like "in the", as one word)


@dataclass(frozen=True)
class Segment:
    label: str           # a phoneme mnemonic ("_" = silence) or a word
    start: int           # first sample
    end: int             # one past the last sample

    def seconds(self, sample_rate: int) -> tuple[float, float]:
        return self.start / sample_rate, self.end / sample_rate


class Synthesis(NamedTuple):
    wave: np.ndarray     # (T,) float32 in [-1, 1]
    sample_rate: int
    events: list[Event]


# --------------------------------------------------------------------------- the ctypes binding
class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):   # espeak_EVENT
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", _EventId)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


class _Engine:
    """One initialised eSpeak NG per process (the C library has global state, hence the lock)."""

    def __init__(self):
        try:
            import espeakng_loader
        except ImportError as err:
            raise SpeechEngineError(f"the package {PACKAGE} is not installed ({err}). Fix: {FIX}") from None
        try:
            self.data_path = Path(espeakng_loader.get_data_path())
            self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        except (OSError, RuntimeError) as err:
            raise SpeechEngineError(f"the eSpeak NG library from {PACKAGE} could not be loaded ({err}). Fix: {FIX}") from None
        lib = self.lib
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                     ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_ng_SetRandSeed.argtypes = [ctypes.c_long]
        lib.espeak_Info.restype = ctypes.c_char_p
        lib.espeak_Info.argtypes = [ctypes.c_void_p]
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, str(self.data_path).encode(), _INITIALIZE_PHONEME_EVENTS)
        if rate != ENGINE_RATE:
            raise SpeechEngineError(f"eSpeak NG failed to initialise (returned {rate}, expected {ENGINE_RATE} Hz) "
                                    f"with data at {self.data_path}. Fix: {FIX}")
        self.version = lib.espeak_Info(None).decode()
        self.variants = sorted(p.name for p in (self.data_path / "voices" / "!v").iterdir())
        self._chunks: list[np.ndarray] = []
        self._events: list[tuple] = []
        self._callback = _CALLBACK(self._collect)   # kept referenced: the C side holds a pointer to it
        lib.espeak_SetSynthCallback(self._callback)
        self.lock = threading.Lock()

    def _collect(self, wav, n, events) -> int:
        if n > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        i = 0
        while events[i].type != 0:                  # espeakEVENT_LIST_TERMINATED
            e = events[i]
            if e.type in _EVENT_NAMES:
                name = e.id.string.decode("utf-8", "replace") if e.type == 7 else ""
                self._events.append((_EVENT_NAMES[e.type], e.sample, e.text_position - 1, e.length, name))
            i += 1
        return 0                                    # 0 = carry on synthesising

    def speak(self, text: str, voice: str, rate: int, pitch: int, pitch_range: int) -> tuple[np.ndarray, list[Event]]:
        """int16 samples at 22,050 Hz and the events, for one text."""
        language, _, variant = voice.partition("+")
        if variant and variant not in self.variants:
            raise ValueError(f"unknown eSpeak NG voice variant {variant!r}; known: {', '.join(self.variants)}")
        for name, value, low, high in (("rate", rate, 80, 450), ("pitch", pitch, 0, 100), ("pitch_range", pitch_range, 0, 100)):
            if not low <= value <= high:
                raise ValueError(f"{name} must be in [{low}, {high}], got {value}")
        data = text.encode("utf-8")
        with self.lock:
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise ValueError(f"eSpeak NG has no voice {language!r} (e.g. 'en', 'en-us', 'en-gb-scotland', 'en-029')")
            for parameter, value in ((_RATE, rate), (_PITCH, pitch), (_RANGE, pitch_range)):
                self.lib.espeak_SetParameter(parameter, int(value), 0)
            self._chunks, self._events = [], []
            status = self.lib.espeak_Synth(data, len(data) + 1, 0, 0, 0, _CHARS_UTF8, None, None)
            self.lib.espeak_Synchronize()
            if status != 0:
                raise SpeechEngineError(f"espeak_Synth failed with status {status} for {text!r}")
            wave = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)
            raw = list(self._events)
        # eSpeak NG sometimes speaks two short words as one ("in the"): it then sends one word
        # event for both, so a word event's text runs up to the next word event
        starts = sorted({position for kind, _, position, _, _ in raw if kind == "word"}) + [len(text)]
        events = []
        for kind, sample, position, length, name in raw:
            if kind == "word":
                name = text[position:starts[starts.index(position) + 1]].strip()
            events.append(Event(kind, sample, position, length if kind == "word" else 0, name))
        return wave, events

    def seed(self, seed: int) -> None:
        self.lib.espeak_ng_SetRandSeed(seed)


_ENGINE: _Engine | None = None
_ENGINE_LOCK = threading.Lock()


def engine() -> _Engine:
    """The process's engine, loaded on first use; raises :class:`SpeechEngineError` with the fix."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            _ENGINE = _Engine()
        return _ENGINE


def package_version() -> str | None:
    """The installed espeakng-loader version, or None."""
    from importlib import metadata

    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return None


def engine_info() -> dict:
    """{"package": version of espeakng-loader, "espeak_ng": engine version, "sample_rate": 22050}."""
    eng = engine()
    return {"package": package_version(), "espeak_ng": eng.version, "sample_rate": ENGINE_RATE}


# --------------------------------------------------------------------------- signal helpers
def _fast_length(n: int) -> int:
    """The smallest 2^a 3^b 5^c >= n: FFT sizes that numpy transforms quickly."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < 2 * n:
        p35 = p5
        while p35 < 2 * n:
            p = p35
            while p < n:
                p *= 2
            best = min(best, p)
            p35 *= 3
        p5 *= 5
    return best


def resample(wave: np.ndarray, orig_rate: int, new_rate: int) -> np.ndarray:
    """Band-limited resampling by the FFT: keep the spectrum below the new Nyquist frequency.

    The clip is zero-padded to a length whose FFT is fast and that both rates divide
    evenly; speech clips start and end in silence, so the wrap-around the FFT
    assumes costs nothing.  Returns ``round(len(wave) * new_rate / orig_rate)`` samples.
    """
    wave = np.asarray(wave, dtype=np.float64)
    n_out = int(round(len(wave) * new_rate / orig_rate))
    if orig_rate == new_rate or len(wave) == 0:
        return wave.astype(np.float32)
    g = math.gcd(orig_rate, new_rate)
    step_in, step_out = orig_rate // g, new_rate // g          # 22050 -> 16000: 441 -> 320
    blocks = _fast_length(-(-len(wave) // step_in))
    n_in_padded, n_out_padded = blocks * step_in, blocks * step_out
    spectrum = np.fft.rfft(wave, n_in_padded)
    keep = min(len(spectrum), n_out_padded // 2 + 1)
    out = np.fft.irfft(spectrum[:keep], n_out_padded) * (n_out_padded / n_in_padded)
    return out[:n_out].astype(np.float32)


def _scale_events(events: list[Event], factor: float, n_samples: int) -> list[Event]:
    return [Event(e.kind, min(n_samples, int(round(e.sample * factor))), e.text_position, e.length, e.name) for e in events]


def is_pause(symbol: str) -> bool:
    """eSpeak NG writes pauses as ``_``, ``_:``, ``_!`` ...; :func:`alignment` turns them all into ``_``."""
    return symbol.startswith("_")


def strip_stress(symbol: str) -> str:
    """``'E`` -> ``E``: drop eSpeak's primary (') and secondary (,) stress marks."""
    return symbol.lstrip("',")


def alignment(events: list[Event], n_samples: int, offset: int = 0) -> tuple[list[Segment], list[Segment]]:
    """Phoneme and word segments from synthesis events.

    Phonemes tile the clip: the first starts at 0, each ends where the next starts,
    the last ends at ``n_samples``.  Pauses become ``_`` (adjacent ones merged, empty
    ones dropped, leading silence added).  A real phoneme can have length 0 (eSpeak
    sometimes starts two at the same sample).  A word spans its own phonemes, without
    the pause after it; a pair that eSpeak speaks as one word ("in the") is one segment,
    so the word labels joined by spaces give back the text.  ``offset`` shifts every event (silence added in front).
    """
    phones = [e for e in events if e.kind == "phoneme"]
    raw = []   # (label, start, end, text_position)
    for i, e in enumerate(phones):
        end = phones[i + 1].sample if i + 1 < len(phones) else n_samples - offset
        start, end = min(e.sample + offset, n_samples), min(end + offset, n_samples)   # clips may be cut short
        raw.append(("_" if is_pause(e.name) else e.name, start, end, e.text_position))
    segments: list[Segment] = []

    def add(label: str, start: int, end: int) -> None:
        if label == "_" and segments and segments[-1].label == "_":
            segments[-1] = Segment("_", segments[-1].start, end)   # merge adjacent pauses
        elif label != "_" or end > start:                           # drop empty pauses
            segments.append(Segment(label, start, end))

    add("_", 0, raw[0][1] if raw else n_samples)                    # leading silence
    for label, start, end, _ in raw:
        add(label, start, end)
    words = []
    for w in (e for e in events if e.kind == "word"):
        own = [(s, t) for label, s, t, pos in raw if pos == w.text_position and label != "_"]
        if own:
            words.append(Segment(w.name, own[0][0], own[-1][1]))
    return segments, words


# --------------------------------------------------------------------------- the public calls
def synthesise(text: str, voice: str = "en-us", rate: int = 175, pitch: int = 50, pitch_range: int = 50,
               sample_rate: int | None = None) -> Synthesis:
    """Speak ``text``: ``(wave float32 in [-1, 1], sample_rate, events)``.

    voice        eSpeak NG's ``language+variant``: "en-us", "en+f3", "en-gb-scotland+m2" ...
    rate         words per minute (80-450; 175 is the engine's default)
    pitch        0-100 (50 default); pitch_range: 0-100, how much the pitch moves (50 default)
    sample_rate  resample to this rate (16000, 8000 ...); default 22050, the engine's own

    Event sample positions refer to the returned rate.  Two calls with the same
    arguments in one process can differ slightly (the engine keeps its pitch-flutter
    phase between calls); the corpora are made in a fresh process so that they repeat.
    """
    eng = engine()
    eng.seed(0)
    samples, events = eng.speak(text, voice, rate, pitch, pitch_range)
    wave = samples.astype(np.float32) / 32768.0
    rate_out = sample_rate or ENGINE_RATE
    if rate_out != ENGINE_RATE:
        wave = resample(wave, ENGINE_RATE, rate_out)
        events = _scale_events(events, rate_out / ENGINE_RATE, len(wave))
    return Synthesis(wave, rate_out, events)


def phonemize(text: str, voice: str = "en-us", *, stress: bool = True) -> list[str]:
    """The phoneme sequence eSpeak NG speaks for ``text`` (pauses left out), e.g. ``['s', "'E", 'v', '@', 'n']``."""
    symbols = [e.name for e in synthesise(text, voice).events if e.kind == "phoneme" and not is_pause(e.name)]
    return symbols if stress else [strip_stress(s) for s in symbols]


# --------------------------------------------------------------------------- the worker process
def synthesise_batch(jobs: list[dict], seed: int = 0) -> tuple[list[np.ndarray], list[list[Event]]]:
    """Speak each job ``{"text", "voice", "rate", "pitch", "pitch_range"}`` in order, at 22,050 Hz (int16)."""
    eng = engine()
    eng.seed(seed)
    waves, events = [], []
    for job in jobs:
        w, e = eng.speak(job["text"], job["voice"], job["rate"], job["pitch"], job["pitch_range"])
        waves.append(w)
        events.append(e)
    return waves, events


def main(argv: list[str]) -> int:
    """``python -m aigc_lab.data.espeak JOBS.json OUT.npz``: the jobs are {"seed": s, "jobs": [...]}."""
    request = json.loads(Path(argv[0]).read_text())
    try:
        waves, events = synthesise_batch(request["jobs"], request.get("seed", 0))
    except SpeechEngineError as err:
        print(f"SpeechEngineError: {err}", file=sys.stderr)
        return 3
    lengths = np.array([len(w) for w in waves], dtype=np.int64)
    audio = np.concatenate(waves) if waves else np.zeros(0, np.int16)
    timings = json.dumps([[list(vars(e).values()) for e in clip] for clip in events])
    with open(argv[1], "wb") as f:
        np.savez(f, audio=audio, lengths=lengths, events=np.array(timings), version=np.array(engine().version))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
