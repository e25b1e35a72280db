"""aigc_lab.speech.features against librosa and torch.stft; the keyword CNN and the classical features."""
import numpy as np
import pytest
import torch

from aigc_lab import train
from aigc_lab.speech import classical, features as F
from aigc_lab.speech.keyword_cnn import KeywordCNN, KeywordCNNConfig

librosa = pytest.importorskip("librosa")   # in requirements.txt (tests only)

SR = 16000


def chirp(seconds: float = 0.6, seed: int = 0) -> np.ndarray:
    """A rising tone with two harmonics plus a little noise: a stand-in for speech, no engine needed."""
    t = np.arange(int(seconds * SR)) / SR
    phase = 2 * np.pi * (200 * t + 400 * t ** 2)
    rng = np.random.default_rng(seed)
    return (0.5 * np.sin(phase) + 0.2 * np.sin(2 * phase) + 0.01 * rng.standard_normal(len(t))).astype(np.float64)


@pytest.mark.parametrize("n_fft,hop,win", [(512, 160, None), (400, 100, None), (512, 128, 400)])
def test_stft_matches_librosa_and_torch_stft(n_fft, hop, win):
    x = chirp()
    ours = F.stft(torch.from_numpy(x), n_fft, hop, win_length=win)
    ref = librosa.stft(x, n_fft=n_fft, hop_length=hop, win_length=win)
    assert ours.shape == ref.shape
    assert np.allclose(ours.numpy(), ref, atol=1e-9)
    if win is None:
        for pad_mode in ("constant", "reflect"):
            torch_ref = torch.stft(torch.from_numpy(x), n_fft, hop, window=F.hann_window(n_fft, dtype=torch.float64),
                                   center=True, pad_mode=pad_mode, return_complex=True)
            assert torch.allclose(F.stft(torch.from_numpy(x), n_fft, hop, pad_mode=pad_mode), torch_ref, atol=1e-9)


def test_hann_window_and_framing():
    assert torch.allclose(F.hann_window(400), torch.hann_window(400), atol=1e-7)
    assert torch.allclose(F.hann_window(400, periodic=False), torch.hann_window(400, periodic=False), atol=1e-7)
    frames = F.frame(torch.arange(10.0), 4, 3)
    assert frames.tolist() == [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]


@pytest.mark.parametrize("htk", [False, True])
def test_mel_scale_matches_librosa_and_inverts(htk):
    hz = np.array([0.0, 60.0, 440.0, 999.0, 1000.0, 1001.0, 3000.0, 8000.0])
    assert np.allclose(F.hz_to_mel(hz, htk=htk).numpy(), librosa.hz_to_mel(hz, htk=htk))
    assert np.allclose(F.mel_to_hz(F.hz_to_mel(hz, htk=htk), htk=htk).numpy(), hz)


@pytest.mark.parametrize("n_mels,fmin,fmax,htk,norm", [(40, 0.0, None, False, "slaney"), (64, 20.0, 7600.0, False, "slaney"),
                                                       (26, 0.0, None, True, None)])
def test_mel_filterbank_matches_librosa(n_mels, fmin, fmax, htk, norm):
    ours = F.mel_filterbank(SR, 512, n_mels, fmin=fmin, fmax=fmax, htk=htk, norm=norm)
    ref = librosa.filters.mel(sr=SR, n_fft=512, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk, norm=norm)
    assert ours.shape == (n_mels, 257)
    assert np.allclose(ours.numpy(), ref, atol=1e-7)


@pytest.mark.parametrize("n_fft", [511, 401, 255, 400])
def test_mel_filterbank_matches_librosa_for_odd_n_fft(n_fft):
    """Bin k of an n_fft-point rfft sits at k * sr / n_fft Hz; for odd n_fft the last bin is below sr / 2."""
    ours = F.mel_filterbank(SR, n_fft, 40)
    ref = librosa.filters.mel(sr=SR, n_fft=n_fft, n_mels=40)
    assert ours.shape == (40, n_fft // 2 + 1)
    assert np.allclose(ours.numpy(), ref, atol=1e-7)
    x = chirp(0.2)
    mel = F.mel_spectrogram(torch.from_numpy(x), SR, n_fft, 160, 40)
    ref_mel = librosa.feature.melspectrogram(y=x, sr=SR, n_fft=n_fft, hop_length=160, n_mels=40)
    assert np.allclose(mel.numpy(), ref_mel, rtol=1e-5, atol=1e-9 * ref_mel.max())


def test_mel_spectrogram_power_to_db_and_mfcc_match_librosa():
    x = chirp()
    mel = F.mel_spectrogram(torch.from_numpy(x), SR, 512, 160, 40)
    ref = librosa.feature.melspectrogram(y=x, sr=SR, n_fft=512, hop_length=160, n_mels=40)
    assert np.allclose(mel.numpy(), ref, rtol=1e-5, atol=1e-9 * ref.max())
    assert np.allclose(F.power_to_db(mel).numpy(), librosa.power_to_db(ref), atol=1e-4)
    ours = F.mfcc(torch.from_numpy(x), SR, 13, 512, 160, 40)
    ref_mfcc = librosa.feature.mfcc(y=x, sr=SR, n_mfcc=13, n_fft=512, hop_length=160, n_mels=40)
    assert np.allclose(ours.numpy(), ref_mfcc, atol=1e-3)


def test_dct_matrix_is_orthonormal_and_matches_scipy():
    from scipy.fft import dct

    basis = F.dct_matrix(40, 40, dtype=torch.float64)
    assert torch.allclose(basis @ basis.T, torch.eye(40, dtype=torch.float64), atol=1e-12)
    x = np.random.default_rng(0).standard_normal((3, 40))
    assert np.allclose((torch.from_numpy(x) @ F.dct_matrix(13, 40, dtype=torch.float64).T).numpy(),
                       dct(x, type=2, norm="ortho", axis=-1)[:, :13])


def test_batches_give_the_same_features_as_single_clips():
    x = torch.from_numpy(np.stack([chirp(seed=0), 0.1 * chirp(seed=1)])).float()
    batch = F.mfcc(x, SR)
    assert batch.shape == (2, 13, 1 + x.shape[1] // 160)
    assert torch.allclose(batch[1], F.mfcc(x[1], SR), atol=1e-3)   # top_db is per clip, not per batch
    assert F.log_mel_spectrogram(x, SR).shape == (2, 40, 1 + x.shape[1] // 160)


def test_spec_augment_masks_bands_and_frames_reproducibly():
    x = torch.randn(4, 40, 50)
    a = F.spec_augment(x, generator=torch.Generator().manual_seed(0))
    b = F.spec_augment(x, generator=torch.Generator().manual_seed(0))
    assert torch.equal(a, b) and a.shape == x.shape
    changed = a != x
    assert changed.any() and not changed.all()
    assert torch.equal(F.spec_augment(x, freq_masks=0, time_masks=0), x)


def test_spectral_subtraction_lowers_the_noise_floor_and_keeps_speech():
    rng = np.random.default_rng(0)
    speech = np.zeros(SR)
    speech[4000:12000] = chirp(0.5)
    noisy = torch.from_numpy(speech + 0.05 * rng.standard_normal(SR)).float()
    mel = F.mel_spectrogram(noisy, SR)
    cleaned = classical.subtract_noise_floor(mel)
    quiet, loud = slice(0, 20), slice(30, 70)
    assert cleaned[:, quiet].mean() < 0.25 * mel[:, quiet].mean()
    assert cleaned[:, loud].sum() > 0.8 * mel[:, loud].sum()
    assert 22 <= classical.speech_frames(cleaned)[0] <= 26 and 74 <= classical.speech_frames(cleaned)[1] <= 78


def test_mfcc_statistics_shape_and_classical_models():
    x = torch.from_numpy(np.stack([chirp(seed=s) for s in range(4)])).float()
    stats = classical.mfcc_statistics(x, SR)
    assert stats.shape == (4, 91) and np.isfinite(stats).all()
    assert set(classical.classical_models()) == {"SVM (RBF kernel)", "random forest", "gradient boosting"}


def test_keyword_cnn_shapes_and_gain_invariance():
    torch.manual_seed(0)
    model = KeywordCNN(KeywordCNNConfig(n_mels=40, classes=5)).eval()
    x = torch.randn(3, 40, 51)
    assert model(x).shape == (3, 5) and model.predict(x).shape == (3,)
    # a louder clip is the same clip plus a constant in log-mel: the prediction must not change
    assert torch.allclose(model(x), model(x + 3.0), atol=1e-4)
    assert model.loss((x, torch.tensor([0, 1, 2]))).dim() == 0


def test_keyword_cnn_learns_where_the_energy_is(seeded_one_thread):
    # class k has a burst of energy in mel bands 4k..4k+3 at a random time: the CNN must find the band
    g = torch.Generator().manual_seed(0)

    def make(n):
        y = torch.randint(0, 4, (n,), generator=g)
        x = torch.randn(n, 16, 24, generator=g) * 0.5
        for i in range(n):
            t = int(torch.randint(0, 18, (1,), generator=g))
            x[i, 4 * y[i]:4 * y[i] + 3, t:t + 6] += 3.0
        return x, y

    x_train, y_train = make(256)
    x_test, y_test = make(64)
    model = KeywordCNN(KeywordCNNConfig(n_mels=16, classes=4, channels=(8, 16)))
    idx = torch.Generator().manual_seed(1)
    train.fit(model, lambda: (lambda i: (x_train[i], y_train[i]))(torch.randint(0, 256, (32,), generator=idx)),
              steps=40, lr=1e-2, progress=False)
    assert (model.predict(x_test) == y_test).float().mean() > 0.9


def test_keyword_cnn_trains_under_bf16_autocast(one_thread):
    # the gpu profile's code path (fit with bf16 autocast), run on the CPU
    x, y = torch.randn(16, 16, 24), torch.randint(0, 3, (16,))
    model = KeywordCNN(KeywordCNNConfig(n_mels=16, classes=3, channels=(4, 8)))
    history = train.fit(model, lambda: (x, y), steps=3, amp=True, progress=False)
    assert np.isfinite(history.final_loss)


def test_warp_frequencies_stretches_the_mel_axis():
    x = torch.arange(20.0)[None, :, None].expand(4, 20, 5).contiguous()     # the value of each band is its index
    assert torch.allclose(F.warp_frequencies(x, max_warp=0.0), x)
    warped = F.warp_frequencies(x, max_warp=0.2, generator=torch.Generator().manual_seed(0))
    assert warped.shape == x.shape and torch.equal(warped[:, 0], x[:, 0])
    factors = 10 / warped[:, 10, 0]                                         # out[m] = in[m / factor]
    assert ((factors > 0.79) & (factors < 1.21)).all() and factors.std() > 0
    assert (warped[:, 1:] >= warped[:, :-1]).all(), "the axis is stretched, never folded"
