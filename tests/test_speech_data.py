"""aigc_lab.data.speech: synthesis, alignments, corpora split by voice, and the cache (manifest, checksum, lock)."""
import json
import sys
import threading
import time

import numpy as np
import pytest

from aigc_lab.data import espeak, speech
from aigc_lab.speech import features

TINY = dict(train_speakers=3, test_speakers=2, progress=False)


@pytest.fixture
def generations(monkeypatch):
    """Counts how often a corpus is actually synthesised (rather than read from the cache)."""
    calls = []
    real = speech._generate

    def counting(spec, folder, progress):
        calls.append(spec.key())
        time.sleep(0.2)                       # widen the window in which a second process could race
        return real(spec, folder, progress)

    monkeypatch.setattr(speech, "_generate", counting)
    return calls


# --------------------------------------------------------------------------- synthesis and timings
def test_synthesise_returns_wave_rate_and_phoneme_events():
    wave, sr, events = speech.synthesise("seven", voice="en-us+f3", rate=160, pitch=60)
    assert sr == 22050 and wave.dtype == np.float32 and wave.ndim == 1
    assert 0.3 < len(wave) / sr < 1.5 and 0.05 < np.abs(wave).max() <= 1.0
    phonemes = [e.name for e in events if e.kind == "phoneme" and not speech.is_pause(e.name)]
    assert phonemes == ["s", "'E", "v", "@", "n"]
    assert [e.name for e in events if e.kind == "word"] == ["seven"]
    resampled = speech.synthesise("seven", voice="en-us+f3", rate=160, pitch=60, sample_rate=16000)
    assert resampled.sample_rate == 16000 and abs(len(resampled.wave) - len(wave) * 16000 / 22050) <= 1
    assert max(e.sample for e in resampled.events) <= len(resampled.wave)


def test_alignment_tiles_the_clip_and_words_span_their_phonemes():
    text = "three hundred and twelve"
    wave, sr, events = speech.synthesise(text, sample_rate=16000)
    phonemes, words = speech.alignment(events, len(wave))
    assert phonemes[0].start == 0 and phonemes[-1].end == len(wave)
    assert all(a.end == b.start for a, b in zip(phonemes, phonemes[1:]))
    assert all(p.end >= p.start for p in phonemes) and phonemes[0].label == "_"
    assert not any(a.label == b.label == "_" for a, b in zip(phonemes, phonemes[1:])), "pauses are merged"
    assert [w.label for w in words] == text.split()
    boundaries = {p.start for p in phonemes} | {p.end for p in phonemes}
    assert all(w.start in boundaries and w.end in boundaries and w.start < w.end for w in words)
    assert all(a.end <= b.start for a, b in zip(words, words[1:]))
    assert speech.phonemize("seven", stress=False) == ["s", "E", "v", "@", "n"]
    _, _, events = speech.synthesise("play the news in the kitchen")   # eSpeak joins "in the" into one word
    assert [e.name for e in events if e.kind == "word"] == ["play", "the", "news", "in the", "kitchen"]


def test_bad_voices_and_settings_fail_clearly(tmp_path):
    with pytest.raises(ValueError, match="variant"):
        speech.synthesise("hello", voice="en+nosuchvoice")
    with pytest.raises(ValueError, match="no voice"):
        speech.synthesise("hello", voice="xx-nowhere")
    with pytest.raises(ValueError, match="rate"):
        speech.synthesise("hello", rate=10)
    with pytest.raises(ValueError, match="kind"):
        speech.load_corpus(speech.CorpusSpec(kind="poems"), root=tmp_path)
    with pytest.raises(ValueError, match="variant"):
        speech.load_corpus(speech.CorpusSpec(kind="sentences", single_voice="en+nosuch"), root=tmp_path)
    assert not list(tmp_path.iterdir()), "nothing is written for a bad specification"


def test_missing_engine_raises_an_error_that_names_the_fix(monkeypatch):
    monkeypatch.setitem(sys.modules, "espeakng_loader", None)       # import espeakng_loader now fails
    with pytest.raises(speech.SpeechEngineError, match="pip install -r requirements.txt"):
        espeak._Engine()


# --------------------------------------------------------------------------- corpora
def test_keyword_corpus_is_split_by_voice_and_carries_timings(tmp_path):
    corpus = speech.keyword_corpus(("yes", "no"), root=tmp_path, **TINY)
    assert len(corpus.train) == 6 and len(corpus.test) == 4 and corpus.classes == ("yes", "no")
    assert not set(corpus.voices("train")) & set(corpus.voices("test")), "test voices are never trained on"
    assert set(corpus.voices("test")) <= set(speech.voice_split(0)[1])
    x = corpus.waves("train")
    assert x.shape == (6, 16000) and x.abs().max() <= 1.0
    assert corpus.labels("train").tolist() == [0, 1] * 3 and corpus.texts("train")[:2] == ["yes", "no"]
    for clip in corpus.train + corpus.test:
        assert clip.sample_rate == 16000 and clip.seconds == 1.0 and clip.snr_db is not None
        assert [w.label for w in clip.words] == [clip.text]
        assert clip.phonemes[0].start == 0 and clip.phonemes[-1].end == len(clip.audio)
        n_frames = features.stft(x[0], 512, 160).shape[-1]
        durations = clip.frame_durations(160)
        assert durations.sum() == n_frames == 1 + 16000 // 160 and len(durations) == len(clip.phonemes)


def test_number_and_sentence_corpora_have_transcripts(tmp_path):
    numbers = speech.number_corpus(root=tmp_path, per_speaker=2, **TINY)
    for clip in numbers.train:
        assert clip.text == speech.number_to_words(clip.label)
        assert [w.label for w in clip.words] == clip.text.split()
    sentences = speech.sentence_corpus(root=tmp_path, per_speaker=2, **TINY)
    assert all(c.label == -1 and c.snr_db is None and c.rt60 is None for c in sentences.train)
    assert all(" ".join(w.label for w in c.words) == c.text for c in sentences.train)
    assert sentences.waves("test").shape[0] == 4 and sentences.lengths("test").max() == sentences.waves("test").shape[1]


# --------------------------------------------------------------------------- the cache
def test_cache_is_deterministic_and_read_back_without_synthesis(tmp_path, generations):
    a = speech.keyword_corpus(("up",), root=tmp_path / "a", **TINY)
    manifest = json.loads((a.path / "manifest.json").read_text())
    assert manifest["engine"]["package"] == speech.package_version() == espeak.PINNED_VERSION
    assert manifest["engine"]["espeak_ng"] and len(manifest["clips"]) == 5
    again = speech.keyword_corpus(("up",), root=tmp_path / "a", **TINY)
    assert len(generations) == 1, "the second load reads the cache"
    assert np.array_equal(again.waves("test"), a.waves("test"))
    b = speech.keyword_corpus(("up",), root=tmp_path / "b", **TINY)
    assert json.loads((b.path / "manifest.json").read_text())["audio_sha256"] == manifest["audio_sha256"]
    assert speech.keyword_corpus(("up",), root=tmp_path / "a", seed=1, **TINY).path != a.path


def test_cache_regenerates_on_another_engine_version_or_a_bad_checksum(tmp_path, generations):
    corpus = speech.keyword_corpus(("go",), root=tmp_path, **TINY)
    manifest_path = corpus.path / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["engine"]["package"] = "0.0.1"
    manifest_path.write_text(json.dumps(manifest))
    speech.keyword_corpus(("go",), root=tmp_path, **TINY)
    assert len(generations) == 2 and json.loads(manifest_path.read_text())["engine"]["package"] == "0.2.4"
    audio = np.load(corpus.path / "audio.npy")
    audio[100] += 1
    np.save(corpus.path / "audio.npy", audio)
    speech.keyword_corpus(("go",), root=tmp_path, **TINY)
    assert len(generations) == 3


def test_parallel_loads_synthesise_once_under_the_lock(tmp_path, generations):
    results, errors = [], []

    def load():
        try:
            results.append(speech.keyword_corpus(("on",), root=tmp_path, **TINY))
        except Exception as err:  # noqa: BLE001 -- surfaced by the assertion below
            errors.append(err)

    threads = [threading.Thread(target=load) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 3
    assert len(generations) == 1, "only the first caller synthesises; the others wait for the lock and read"
    assert all(np.array_equal(r.waves("train"), results[0].waves("train")) for r in results)
    assert not list(tmp_path.rglob("*.tmp")), "no temporary files left behind"


def test_cache_root_follows_the_argument_then_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(speech.DATA_DIR_VARIABLE, str(tmp_path / "env"))
    assert speech.cache_root() == tmp_path / "env"
    assert speech.cache_root(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv(speech.DATA_DIR_VARIABLE)
    assert speech.cache_root().name == "cache"


# --------------------------------------------------------------------------- noise and reverberation
def test_mix_at_snr_hits_the_requested_snr():
    rng = np.random.default_rng(0)
    s, n = rng.standard_normal(8000), rng.standard_normal(8000) * 3
    for snr in (0.0, 10.0, 25.0):
        mixed = speech.mix_at_snr(s, n, snr)
        assert 10 * np.log10(np.mean(s ** 2) / np.mean((mixed - s) ** 2)) == pytest.approx(snr, abs=1e-9)


def test_coloured_noise_slopes_and_reverb_tail():
    rng = np.random.default_rng(0)
    for colour, slope in (("white", 0.0), ("pink", -1.0), ("brown", -2.0)):
        x = speech.coloured_noise(1 << 15, colour, rng)
        assert np.mean(x ** 2) == pytest.approx(1.0)
        power = np.abs(np.fft.rfft(x)) ** 2
        f = np.arange(len(power))
        fit = np.polyfit(np.log(f[10:8000]), np.log(power[10:8000]), 1)[0]
        assert fit == pytest.approx(slope, abs=0.15)
    wave = np.zeros(1000)
    wave[0] = 1.0
    wet = speech.reverberate(wave, 16000, 0.2, rng)
    assert len(wet) == 1000 + 3200 - 1 and wet[0] == pytest.approx(1.0)


def test_doctor_checks_the_speech_engine():
    from aigc_lab import cli

    checks = {name: (ok, detail) for name, ok, detail, _ in cli._checks()}
    ok, detail = checks["speech engine (eSpeak NG)"]
    assert ok and "0.2.4" in detail


def test_single_voice_corpus_for_synthesis(tmp_path):
    corpus = speech.sentence_corpus(single_voice="en-us+m3", train_speakers=1, test_speakers=1, per_speaker=3,
                                    root=tmp_path, progress=False)
    assert len(corpus.train) == 3 and len(corpus.test) == 3
    assert {c.speaker.voice for c in corpus.train + corpus.test} == {"en-us+m3"}
    assert {(c.speaker.rate, c.speaker.pitch) for c in corpus.train} == {(175, 50)}


def test_the_test_split_does_not_depend_on_the_training_size():
    small = speech._plan(speech.CorpusSpec(words=("yes",), train_speakers=2, test_speakers=3))
    large = speech._plan(speech.CorpusSpec(words=("yes",), train_speakers=7, test_speakers=3))
    assert [p for p in small if p["split"] == "test"] == [p for p in large if p["split"] == "test"]
