"""The recipe of notebooks/04_speech/03_synthesis: the course's text-to-speech and the judges that hear it.

Deep Voice's pipeline built from this chapter's parts: eSpeak NG's grapheme-to-phoneme front end, a small
FastSpeech that predicts each phoneme's duration and the log-mel spectrogram (trained on one eSpeak NG
voice, with durations from the engine's phoneme events), and a Griffin-Lim vocoder.  Nobody listens: the
chapter's own models judge it, each trained by its notebook's recipe (``classification_recipe``,
``recognition_recipe``): notebook 4.1's KeywordCNN on spoken digits, notebook 4.2's CTC recogniser on
held-out phrases.  The notebook and the ``speech`` benchmark use these.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np
import torch

from .. import checkpoint, runtime, train
from ..data import speech
from ..data.cache import cache_root
from ..data.speech_tts import PhonemeVocabulary, tts_batches
from ..settings import Settings
from .classification_recipe import classification_settings, keyword_data, train_keyword_cnn
from .ctc_recognizer import CTCRecognizer, CTCRecognizerConfig, transcribe
from .decoding import CharVocabulary
from .error_rates import character_error_rate
from .fastspeech import FastSpeech, FastSpeechConfig, text_to_speech
from .features import log_mel_spectrogram
from .griffin_lim import griffin_lim, mel_to_magnitude
from .keyword_cnn import KeywordCNN, KeywordCNNConfig
from .recognition_recipe import ctc_inputs, number_data, one_thread, recognition_settings, train_ctc_recognizer


@dataclass
class SynthesisSettings(Settings):
    voice: str                      # the one eSpeak NG voice the TTS learns
    sample_rate: int                # log-mel: rate, window, hop and bands
    n_fft: int
    hop_length: int
    n_mels: int
    phrases_per_take: int           # number phrases per corpus "speaker"
    train_takes: int                # training phrases: takes x phrases
    digit_takes: int                # the ten digits, alone, this often
    d_model: int                    # FastSpeech width
    heads: int
    conv_hidden: int
    layers: int                     # FFT blocks in encoder and in decoder
    steps: int
    max_seconds: float | None       # wall-clock limit on training, or None
    batch: int
    lr: float
    gl_iterations: int              # Griffin-Lim iterations
    speeds: tuple[float, ...]       # the speed-control demo
    digit_speeds: tuple[float, ...] # each digit is said at these speeds for the judge


def synthesis_settings() -> SynthesisSettings:
    """The per-profile sizes the notebook and the benchmark share."""
    return SynthesisSettings(
        voice="en-us+m3",
        # the TTS works at the recogniser's 16 kHz: 32 ms windows every 10 ms, 80 mel bands
        sample_rate=16000, n_fft=512, hop_length=160, n_mels=80,
        phrases_per_take=runtime.pick(smoke=12, cpu=60, gpu=100),
        train_takes=runtime.pick(smoke=3, cpu=7, gpu=15),
        digit_takes=runtime.pick(smoke=1, cpu=3, gpu=3),
        d_model=runtime.pick(smoke=32, cpu=64, gpu=192),
        heads=2,
        conv_hidden=runtime.pick(smoke=64, cpu=128, gpu=512),
        layers=2,
        steps=runtime.pick(smoke=30, cpu=400, gpu=4000),
        max_seconds=runtime.pick(smoke=20, cpu=100, gpu=600),       # a cap for a busy machine
        batch=runtime.pick(smoke=8, cpu=16, gpu=32),
        lr=runtime.pick(smoke=3e-3, cpu=2e-3, gpu=1e-3),
        gl_iterations=runtime.pick(smoke=8, cpu=32, gpu=64),
        speeds=(0.8, 1.0, 1.25),
        digit_speeds=runtime.pick(smoke=(1.0,), cpu=(0.9, 1.0, 1.1), gpu=(0.9, 1.0, 1.1)),
    )


# --------------------------------------------------------------------------- data: one voice, with alignments
def tts_corpora(settings: SynthesisSettings, *, progress: bool = False) -> dict:
    """The engine's single-voice data: number phrases (train / held-out test) and the ten digits alone.

    Test phrases that also occur in training are dropped, so the round trip only hears held-out texts.
    """
    numbers = speech.number_corpus(train_speakers=settings["train_takes"], test_speakers=1,
                                   per_speaker=settings["phrases_per_take"], single_voice=settings["voice"],
                                   augmentation=speech.CLEAN, progress=progress)
    digits = speech.load_corpus(speech.CorpusSpec("keywords", speech.DIGITS, train_speakers=settings["digit_takes"],
                                                  test_speakers=0, per_speaker=1, clip_seconds=None,
                                                  augmentation=speech.CLEAN, single_voice=settings["voice"]),
                                progress=progress)
    seen = set(numbers.texts("train"))
    held_out, texts = [], set()
    for clip in numbers.test:
        if clip.text not in seen and clip.text not in texts:
            held_out.append(clip)
            texts.add(clip.text)
    return {"train": numbers.train + digits.train, "test": held_out, "numbers": numbers, "digits": digits}


def tts_examples(clips, vocab: PhonemeVocabulary, *, n_fft: int, hop_length: int, n_mels: int) -> list[dict]:
    """Per clip: ``ids`` (N,), ``durations`` (N,) frames per phoneme summing to the frames, ``log_mel`` (n_mels, frames)."""
    examples = []
    for clip in clips:
        wave = torch.from_numpy(clip.wave)
        log_mel = log_mel_spectrogram(wave, clip.sample_rate, n_fft, hop_length, n_mels)   # (n_mels, frames)
        durations = torch.from_numpy(clip.frame_durations(hop_length, log_mel.shape[-1])).long()
        examples.append({"text": clip.text, "ids": vocab.encode([p.label for p in clip.phonemes]),
                         "durations": durations, "log_mel": log_mel})
    return examples


def fastspeech_data(corpora: dict, settings: SynthesisSettings) -> tuple[PhonemeVocabulary, list[dict]]:
    # the symbol inventory includes the held-out phrases' phonemes (a small training set may miss a rare one);
    # their audio is never trained on, and an unseen symbol's embedding simply stays untrained
    vocab = PhonemeVocabulary.from_clips(corpora["train"] + corpora["test"])
    examples = tts_examples(corpora["train"], vocab, n_fft=settings["n_fft"], hop_length=settings["hop_length"],
                            n_mels=settings["n_mels"])
    return vocab, examples


def train_fastspeech(examples: list[dict], vocab: PhonemeVocabulary, settings: SynthesisSettings, *, device=None,
                     progress: bool = False) -> tuple[FastSpeech, train.History]:
    """The notebook's recipe: teacher-forced durations, L1 on log-mel + MSE on log durations, AdamW + cosine."""
    runtime.seed_everything(0)
    model = FastSpeech(FastSpeechConfig(n_symbols=len(vocab), n_mels=settings["n_mels"], d_model=settings["d_model"],
                                        heads=settings["heads"], conv_hidden=settings["conv_hidden"],
                                        encoder_layers=settings["layers"], decoder_layers=settings["layers"]))
    with torch.no_grad():     # start the output at each band's average log-mel, not at 0 (silence is about -14)
        model.to_mel.bias.copy_(torch.cat([e["log_mel"] for e in examples], dim=1).mean(dim=1))
    runtime.set_threads(one_thread())
    history = train.fit(model, tts_batches(examples, settings["batch"]), steps=settings["steps"], lr=settings["lr"],
                        warmup=max(1, settings["steps"] // 20), weight_decay=0.01, max_seconds=settings["max_seconds"],
                        log_every=10, device=device, progress=progress)
    return model.cpu().eval(), history


def speak(model: FastSpeech, vocab: PhonemeVocabulary, text: str, settings: SynthesisSettings, *, speed: float = 1.0) -> np.ndarray:
    """The course TTS: text -> (T,) float32 wave at the settings' rate (peak 0.5)."""
    wave, _ = text_to_speech(text, model, vocab, voice=settings["voice"], sample_rate=settings["sample_rate"],
                             n_fft=settings["n_fft"], hop_length=settings["hop_length"], speed=speed,
                             n_iter=settings["gl_iterations"])
    wave = wave.numpy().astype(np.float32)
    return wave * (0.5 / max(1e-6, float(np.abs(wave).max())))


def vocoder_convergence(clip: speech.Clip, settings: SynthesisSettings) -> dict:
    """Griffin-Lim on one clip's true mel spectrogram: spectral convergence per iteration against the linear
    magnitude that the mel pseudo-inverse gives (what the vocoder can match) and the final wave."""
    mel = log_mel_spectrogram(torch.from_numpy(clip.wave), settings["sample_rate"], settings["n_fft"],
                              settings["hop_length"], settings["n_mels"])
    magnitude = mel_to_magnitude((mel.exp() - 1e-6).clamp(min=0), settings["sample_rate"], settings["n_fft"])
    errors: list[float] = []
    wave = griffin_lim(magnitude, settings["n_fft"], settings["hop_length"], n_iter=settings["gl_iterations"],
                       errors=errors)
    return {"errors": errors, "wave": wave.numpy(), "log_mel": mel}


# --------------------------------------------------------------------------- the judges: notebooks 4.1 and 4.2
def judge_key() -> str:
    """Names the judges' cache folder: their recipes' settings, the torch version and the device kind."""
    settings = {"classification": classification_settings().as_dict(), "recognition": recognition_settings().as_dict(),
                "torch": torch.__version__.split("+")[0], "device": runtime.device().type, "format": 1}
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:12]


def train_judges(*, device=None, cache: bool = True, progress: bool = False) -> dict:
    """Notebook 4.1's KeywordCNN and notebook 4.2's CTC recogniser, each trained by its own recipe at this
    profile's sizes, or read back from ``datasets/cache/models/`` where an earlier run left them (they are
    the same models for the same settings; ``cache=False`` trains them afresh)."""
    cls, rec = classification_settings(), recognition_settings()
    vocabulary = CharVocabulary()
    classifier = KeywordCNN(KeywordCNNConfig(n_mels=cls["n_mels"], classes=len(cls["words"]), channels=cls["channels"]))
    recogniser = CTCRecognizer(CTCRecognizerConfig(n_mels=rec["n_mels"], vocab_size=len(vocabulary),
                                                   channels=rec["channels"], hidden=rec["hidden"],
                                                   layers=rec["layers"], stride=rec["stride"]))
    folder = cache_root() / "models" / f"speech-judges-{judge_key()}"
    try:
        if not cache:
            raise checkpoint.CheckpointError("not reading the cache")
        seconds = checkpoint.load(folder / "classifier", classifier)["extra"]["seconds"]
        seconds += checkpoint.load(folder / "recogniser", recogniser)["extra"]["seconds"]
        cached = True
    except (checkpoint.CheckpointError, OSError, KeyError, ValueError):
        keywords = keyword_data(cls, progress=progress)
        log_mel = log_mel_spectrogram(keywords.waves("train"), keywords.sample_rate, cls["n_fft"], cls["hop_length"],
                                      cls["n_mels"])
        classifier, classifier_history = train_keyword_cnn(log_mel, keywords.labels("train"), cls, device=device)
        data = ctc_inputs(number_data(rec, progress=progress), "train", rec, vocabulary)
        recogniser, recogniser_history = train_ctc_recognizer(data, vocabulary, rec, device=device)
        classifier, recogniser = classifier.cpu(), recogniser.cpu()
        seconds, cached = classifier_history.seconds + recogniser_history.seconds, False
        if cache:
            checkpoint.save(folder / "classifier", classifier, extra={"seconds": classifier_history.seconds})
            checkpoint.save(folder / "recogniser", recogniser, extra={"seconds": recogniser_history.seconds})
    return {"classifier": classifier.eval(), "classifier_settings": cls, "recogniser": recogniser.eval(),
            "recogniser_settings": rec, "vocabulary": vocabulary, "seconds": seconds, "cached": cached}


def one_second(wave: np.ndarray, sample_rate: int) -> np.ndarray:
    """Centre a short clip in one second of silence (what the KeywordCNN reads), cutting anything longer."""
    out = np.zeros(sample_rate, dtype=np.float32)
    wave = wave[:sample_rate]
    start = (sample_rate - len(wave)) // 2
    out[start:start + len(wave)] = wave
    return out


def classify(judges: dict, waves: list[np.ndarray], sample_rate: int) -> torch.Tensor:
    """KeywordCNN predictions (class ids into speech.KEYWORDS) for a list of one-second clips."""
    s = judges["classifier_settings"]
    x = torch.from_numpy(np.stack(waves))
    log_mel = log_mel_spectrogram(x, sample_rate, s["n_fft"], s["hop_length"], s["n_mels"])
    with torch.no_grad():
        return judges["classifier"].predict(log_mel)


def recognise(judges: dict, waves: list[np.ndarray], sample_rate: int) -> list[str]:
    """The CTC recogniser's greedy transcripts for a list of clips of any length."""
    s = judges["recogniser_settings"]
    lengths = torch.tensor([len(w) for w in waves])
    x = torch.zeros(len(waves), int(lengths.max()))
    for i, w in enumerate(waves):
        x[i, :len(w)] = torch.from_numpy(w)
    log_mel = log_mel_spectrogram(x, sample_rate, s["n_fft"], s["hop_length"], s["n_mels"])
    return transcribe(judges["recogniser"], log_mel, 1 + lengths // s["hop_length"], judges["vocabulary"])


def digit_test(model: FastSpeech, vocab: PhonemeVocabulary, judges: dict, settings: SynthesisSettings) -> dict:
    """The KeywordCNN on the course TTS's digits (each at every speed) and on the engine's (same voice, 1 s clips)."""
    sr = settings["sample_rate"]
    spec = speech.CorpusSpec("keywords", speech.DIGITS, train_speakers=1, test_speakers=0, per_speaker=1,
                             sample_rate=sr, clip_seconds=1.0, augmentation=speech.CLEAN, single_voice=settings["voice"])
    engine_clips = speech.load_corpus(spec, progress=False).train
    labels = torch.tensor([speech.KEYWORDS.index(c.text) for c in engine_clips])
    engine_predictions = classify(judges, [c.wave for c in engine_clips], sr)
    tts_waves, tts_labels = [], []
    for speed in settings["digit_speeds"]:
        for digit in speech.DIGITS:
            tts_waves.append(one_second(speak(model, vocab, digit, settings, speed=speed), sr))
            tts_labels.append(speech.KEYWORDS.index(digit))
    tts_predictions = classify(judges, tts_waves, sr)
    engine_accuracy = float((engine_predictions == labels).double().mean())
    tts_accuracy = float((tts_predictions == torch.tensor(tts_labels)).double().mean())
    return {"engine_accuracy": engine_accuracy, "tts_accuracy": tts_accuracy,
            "ratio": tts_accuracy / max(engine_accuracy, 1e-9), "tts_waves": tts_waves, "tts_labels": tts_labels,
            "tts_predictions": tts_predictions, "engine_clips": engine_clips, "engine_predictions": engine_predictions}


def round_trip(model: FastSpeech, vocab: PhonemeVocabulary, judges: dict, clips: list, settings: SynthesisSettings) -> dict:
    """Held-out phrases said by the course TTS and by the engine, both transcribed by the CTC recogniser."""
    sr = settings["sample_rate"]
    texts = [c.text for c in clips]
    tts_waves = [speak(model, vocab, t, settings) for t in texts]
    tts_heard = recognise(judges, tts_waves, sr)
    engine_heard = recognise(judges, [c.wave for c in clips], sr)
    tts_cer, engine_cer = character_error_rate(texts, tts_heard), character_error_rate(texts, engine_heard)
    return {"texts": texts, "tts_waves": tts_waves, "tts_heard": tts_heard, "engine_heard": engine_heard,
            "tts_cer": tts_cer, "engine_cer": engine_cer, "cer_ratio": tts_cer / max(engine_cer, 1e-9)}
