"""Speech synthesis pieces: ISTFT and Griffin-Lim (against torch.istft), the length regulator and alignment
matrix, durations from the engine's phoneme events, the phoneme vocabulary, and a tiny FastSpeech that must learn."""
import numpy as np
import pytest
import torch

from aigc_lab.data import speech
from aigc_lab.data.speech_tts import PhonemeVocabulary, collate, text_to_phonemes, tts_batches
from aigc_lab.speech import features
from aigc_lab.speech.fastspeech import FastSpeech, FastSpeechConfig, alignment_matrix, length_regulate
from aigc_lab.speech.griffin_lim import griffin_lim, istft, mel_to_magnitude, mel_to_wave, spectral_convergence
from aigc_lab.speech.synthesis_recipe import tts_examples


# --------------------------------------------------------------------------- the vocoder
@pytest.mark.parametrize("n_fft, hop, length", [(512, 128, None), (400, 160, 4000), (256, 64, 3001)])
def test_istft_matches_torch_istft(n_fft, hop, length):
    g = torch.Generator().manual_seed(0)
    spec = features.stft(torch.randn(2, 4000, generator=g, dtype=torch.float64), n_fft, hop)
    spec = spec * torch.polar(torch.ones_like(spec.real), torch.rand(spec.shape, generator=g, dtype=torch.float64))
    ours = istft(spec, n_fft, hop, length=length)
    theirs = torch.istft(spec, n_fft, hop, window=torch.hann_window(n_fft, dtype=torch.float64), center=True,
                         length=length)
    assert ours.shape == theirs.shape
    assert torch.allclose(ours, theirs, atol=1e-12)


def test_istft_inverts_stft():
    wave = torch.randn(3000, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    assert torch.allclose(istft(features.stft(wave, 512, 128), 512, 128, length=3000), wave, atol=1e-12)


def test_griffin_lim_converges_on_a_real_magnitude(one_thread):
    t = torch.arange(8000) / 8000
    wave = torch.sin(2 * torch.pi * (200 + 300 * t) * t) * (0.5 + 0.5 * torch.sin(2 * torch.pi * 3 * t))  # chirp
    magnitude = features.stft(wave, 256, 64).abs()
    errors = []
    rebuilt = griffin_lim(magnitude, 256, 64, n_iter=30, errors=errors)
    assert len(errors) == 30 and errors[-1] < 0.5 * errors[0] and errors[-1] < 0.15
    assert abs(spectral_convergence(rebuilt, magnitude, 256, 64) - errors[-1]) < 0.05
    plain = []
    griffin_lim(magnitude, 256, 64, n_iter=30, momentum=0.0, errors=plain)
    assert all(b <= a + 1e-6 for a, b in zip(plain, plain[1:])), "plain Griffin-Lim never increases the error"


def test_mel_pseudo_inverse_reproduces_the_mel_bands():
    wave = torch.randn(4000, generator=torch.Generator().manual_seed(2))
    mel = features.mel_spectrogram(wave, 16000, 512, 160, 40)
    magnitude = mel_to_magnitude(mel, 16000, 512)                          # (257, frames)
    bank = features.mel_filterbank(16000, 512, 40)
    assert magnitude.shape == (257, mel.shape[-1]) and (magnitude >= 0).all()
    # least squares, then negative powers clipped to 0: the mel bands come back to within a few per cent
    assert torch.linalg.norm(bank @ magnitude ** 2 - mel) < 0.05 * torch.linalg.norm(mel)
    wave_out = mel_to_wave(torch.log(mel + 1e-6), 16000, 512, 160, n_iter=4)
    assert wave_out.shape == (160 * (mel.shape[-1] - 1),)


# --------------------------------------------------------------------------- length regulator and alignment
def test_length_regulator_on_a_hand_worked_case():
    hidden = torch.tensor([[[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]],
                           [[4.0, 40.0], [5.0, 50.0], [0.0, 0.0]]])        # the second has 2 phonemes + padding
    durations = torch.tensor([[2, 0, 3], [1, 1, 0]])
    out, frames = length_regulate(hidden, durations)
    assert frames.tolist() == [5, 2] and out.shape == (2, 5, 2)
    assert out[0, :, 0].tolist() == [1, 1, 3, 3, 3]
    assert out[1, :, 0].tolist() == [4, 5, 0, 0, 0]
    a = alignment_matrix(durations[0])                                    # (3 phonemes, 5 frames)
    assert a.tolist() == [[1, 1, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 1, 1, 1]]
    assert torch.equal(a.T @ hidden[0], out[0]), "length regulation is multiplication by the alignment"


# --------------------------------------------------------------------------- data: phonemes, durations, vocabulary
def _clip(text: str, voice: str = "en-us+m3", sample_rate: int = 16000) -> speech.Clip:
    wave, sr, events = speech.synthesise(text, voice=voice, sample_rate=sample_rate)
    phonemes, words = speech.alignment(events, len(wave))
    accent, _, variant = voice.partition("+")
    speaker = speech.Speaker("test", accent, variant, 175, 50, 50)
    audio = (np.clip(wave, -1, 32767 / 32768) * 32768).astype(np.int16)
    return speech.Clip(text, -1, "train", speaker, sr, tuple(phonemes), tuple(words), None, None, audio)


def test_durations_from_phoneme_events_sum_to_the_frames():
    clip = _clip("three hundred and twelve")
    vocab = PhonemeVocabulary.from_clips([clip])
    (example,) = tts_examples([clip], vocab, n_fft=512, hop_length=160, n_mels=40)
    assert example["log_mel"].shape == (40, 1 + len(clip.audio) // 160)
    assert int(example["durations"].sum()) == example["log_mel"].shape[-1]
    assert len(example["durations"]) == len(example["ids"]) == len(clip.phonemes)
    assert text_to_phonemes("three hundred and twelve") == [p.label for p in _clip("three hundred and twelve",
                                                                                      "en-us").phonemes]
    batch = collate([example, example])
    assert batch["ids"].shape == batch["durations"].shape and batch["log_mel"].shape[0] == 2


def test_vocabulary_rejects_unknown_phonemes_clearly():
    vocab = PhonemeVocabulary(("<pad>", "_", "s", "E", "v", "@", "n"))
    assert vocab.encode(["_", "s", "'E", "v", "@", "n", "_"]).tolist() == [1, 2, 3, 4, 5, 6, 1]   # stress dropped
    with pytest.raises(KeyError, match="not in the vocabulary"):
        vocab.encode(["s", "T"])
    with pytest.raises(ValueError, match="some text"):
        text_to_phonemes("   ")


# --------------------------------------------------------------------------- the model
def _toy_examples(n: int = 6, n_mels: int = 8) -> list[dict]:
    """Each phoneme id has its own mel frame; durations 1-4 frames."""
    g = torch.Generator().manual_seed(0)
    table = torch.randn(6, n_mels, generator=g)
    examples = []
    for _ in range(n):
        ids = torch.randint(1, 6, (5,), generator=g)
        durations = torch.randint(1, 5, (5,), generator=g)
        examples.append({"ids": ids, "durations": durations, "log_mel": torch.repeat_interleave(table[ids], durations, 0).T})
    return examples


def test_tiny_fastspeech_learns_and_generates(seeded_one_thread):
    torch.manual_seed(0)
    model = FastSpeech(FastSpeechConfig(n_symbols=6, n_mels=8, d_model=32, heads=2, conv_hidden=32, dropout=0.0))
    batches = tts_batches(_toy_examples(), batch=4)
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(120):
        loss = model.loss(batches())
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert np.mean(losses[-10:]) < 0.3 * np.mean(losses[:5])
    ids = torch.tensor([1, 2, 3])
    log_mel = model.generate(ids, durations=torch.tensor([2, 1, 3]))
    assert log_mel.shape == (8, 6)
    slow, fast = model.predict_durations(ids, speed=0.5), model.predict_durations(ids, speed=2.0)
    assert slow.sum() >= fast.sum(), "speed > 1 means fewer frames"


def test_bad_inputs_fail_clearly():
    with pytest.raises(ValueError, match=">= 0"):
        length_regulate(torch.zeros(1, 2, 4), torch.tensor([[1, -1]]))
    with pytest.raises(ValueError, match="disagree"):
        length_regulate(torch.zeros(1, 3, 4), torch.tensor([[1, 1]]))
    with pytest.raises(ValueError, match="n_fft"):
        griffin_lim(torch.ones(100, 10), 512, 128)
    with pytest.raises(ValueError, match="non-negative"):
        griffin_lim(-torch.ones(257, 10), 512, 128)
