"""The tiny WaveNet: mu-law, causality, receptive field, fast = plain generation, learning, clear errors."""
import math

import librosa
import numpy as np
import pytest
import torch

from aigc_lab.speech.wavenet import WaveNet, WaveNetConfig, generate, mu_law_decode, mu_law_encode, receptive_field


@pytest.fixture(autouse=True)
def _one_thread(one_thread):
    """Every test here runs tiny models: one thread (conftest's fixture)."""


def tiny(kernel: int = 2, n_mels: int = 4, dilations=(1, 2, 4, 8), seed: int = 0) -> WaveNet:
    torch.manual_seed(seed)
    return WaveNet(WaveNetConfig(channels=8, skip_channels=8, kernel=kernel, dilations=dilations, n_mels=n_mels, hop=8))


# --------------------------------------------------------------------------- mu-law
def test_mu_law_hand_worked_values():
    # y = sign(x) ln(1 + 255 |x|) / ln 256; code = floor((y + 1) / 2 * 255 + 1/2)
    # x = 0.5: y = ln(128.5) / ln(256) = 0.87569, (1.87569 / 2) * 255 + 0.5 = 239.65 -> 239
    # x = -0.5: (0.12431 / 2) * 255 + 0.5 = 16.35 -> 16;  x = 0: 127.5 + 0.5 -> 128;  x = 0.01: y = 0.23481 -> 157
    x = torch.tensor([-1.0, -0.5, 0.0, 0.01, 0.5, 1.0, 3.0])
    assert mu_law_encode(x).tolist() == [0, 16, 128, 157, 239, 255, 255]      # 3.0 is clipped to 1
    # code 128: y = 1/255, x = (256^(1/255) - 1) / 255 = 8.6212e-05; code 255: x = 1; code 0: x = -1
    assert mu_law_decode(torch.tensor([0, 128, 255])).tolist() == pytest.approx([-1.0, 8.6212e-05, 1.0], rel=1e-4)


def test_mu_law_matches_librosa_companding():
    x = torch.linspace(-1, 1, 2001, dtype=torch.float64)
    y = librosa.mu_compress(x.numpy(), mu=255, quantize=False)                # the continuous curve, eq. (2)
    assert torch.equal(mu_law_encode(x), torch.from_numpy(np.floor((y + 1) / 2 * 255 + 0.5)).long())
    codes = torch.arange(256)
    expected = librosa.mu_expand(codes.numpy() / 255 * 2 - 1, mu=255, quantize=False)
    assert np.allclose(mu_law_decode(codes).numpy(), expected, atol=1e-6)


def test_mu_law_round_trip_error_is_small_near_zero_and_bounded():
    x = torch.linspace(-1, 1, 100001, dtype=torch.float64)
    error = (mu_law_decode(mu_law_encode(x)).double() - x).abs()
    # half a step in y is 1/255; dx/dy = ln(256) (1 + 255 |x|) / 255, so |error| <= ln(256) (1 + 255 |x|) / 255^2
    bound = math.log(256) * (1 + 255 * (x.abs() + 0.03)) / 255 ** 2
    assert bool((error <= bound).all())
    assert error[x.abs() < 0.01].max() < 3e-4 and error.max() < 0.025       # fine near zero, coarse near +-1


# --------------------------------------------------------------------------- the network
def test_shapes_and_receptive_field_formula():
    assert receptive_field(WaveNetConfig()) == 256
    assert receptive_field(WaveNetConfig(kernel=3, dilations=(1, 2, 4))) == 15
    model = tiny()
    logits = model(torch.randint(0, 256, (2, 50)), torch.randn(2, 4, 8))
    assert logits.shape == (2, 256, 50)
    assert model.loss((torch.randint(0, 256, (2, 51)), torch.randn(2, 4, 8))).shape == ()


def test_causal_output_before_t_ignores_input_at_t():
    model = tiny().eval()
    codes, mel = torch.randint(0, 256, (1, 120)), torch.randn(1, 4, 16)
    changed = codes.clone()
    changed[0, 70] = (codes[0, 70] + 100) % 256
    with torch.no_grad():
        a, b = model(codes, mel), model(changed, mel)
    assert torch.equal(a[..., :70], b[..., :70])
    assert not torch.allclose(a[..., 70], b[..., 70])


@pytest.mark.parametrize("kernel,dilations", [(2, (1, 2, 4, 8)), (3, (1, 2, 4)), (2, (1, 2, 4, 8, 1, 2, 4, 8))])
def test_measured_receptive_field_equals_formula(kernel, dilations):
    model = tiny(kernel, n_mels=0, dilations=dilations).double().eval()   # float64: the farthest input's effect is tiny
    codes = torch.randint(0, 256, (1, 40))
    with torch.no_grad():
        last = model(codes)[0, :, -1]
        reach = 0
        for s in range(40):                      # does input s change the last output at all?
            changed = codes.clone()
            changed[0, s] = (codes[0, s] + 77) % 256
            if not torch.equal(model(changed)[0, :, -1], last):
                reach = max(reach, 40 - s)
    assert reach == receptive_field(model.config)


@pytest.mark.parametrize("kernel,n_mels", [(2, 4), (3, 0)])
def test_fast_and_plain_generation_give_identical_samples(kernel, n_mels):
    model = tiny(kernel, n_mels=n_mels).double()                           # float64: no rounding ties in the argmax
    mel = torch.randn(n_mels, 9, dtype=torch.float64) if n_mels else None
    fast = generate(model, mel, length=64, seed=3)
    plain = generate(model, mel, length=64, seed=3, fast=False)
    assert fast.shape == (64,) and torch.equal(fast, plain)
    assert not torch.equal(fast, generate(model, mel, length=64, seed=4))


def test_generation_follows_the_teacher_forced_distribution():
    """At a very low temperature the sampler is greedy: each sample is the argmax of the full forward pass."""
    model = tiny().double()
    mel = torch.randn(4, 9, dtype=torch.float64)
    wave = generate(model, mel, temperature=1e-6, seed=0)                   # default length (frames - 1) * hop = 64
    codes = torch.cat([torch.tensor([128]), mu_law_encode(wave.double())])[None]
    with torch.no_grad():
        greedy = model(codes[:, :-1], mel[None]).argmax(1)
    assert torch.equal(greedy, codes[:, 1:])


def test_tiny_overfit_learns_a_periodic_wave():
    torch.manual_seed(0)
    wave = 0.6 * torch.sin(2 * math.pi * torch.arange(1025) / 20) * torch.sin(2 * math.pi * torch.arange(1025) / 700)
    codes = mu_law_encode(wave)[None].repeat(2, 1)
    model = tiny(n_mels=0, dilations=(1, 2, 4, 8, 16))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    with torch.no_grad():
        first = float(model.loss((codes, None)))
    for _ in range(80):
        loss = model.loss((codes, None))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert first > 5.0 and loss.item() < 1.5                              # ln 256 = 5.55 nats to start


# --------------------------------------------------------------------------- bad input
def test_bad_input_fails_clearly():
    model = tiny()
    mel = torch.randn(1, 4, 8)
    with pytest.raises(ValueError, match="integer"):
        model(torch.rand(1, 20), mel)                                       # a waveform, not codes
    with pytest.raises(ValueError, match=r"\[0, 255\]"):
        model(torch.full((1, 20), 256), mel)
    with pytest.raises(ValueError, match=r"\(B, T\)"):
        model(torch.randint(0, 256, (20,)), mel)
    with pytest.raises(ValueError, match="n_mels=4"):
        model(torch.randint(0, 256, (1, 20)), torch.randn(1, 5, 8))
    with pytest.raises(ValueError, match="n_mels=4"):
        model(torch.randint(0, 256, (1, 20)))                               # conditioning forgotten
    with pytest.raises(ValueError, match="n_mels=4"):
        generate(model, mel, length=10)                                     # (1, n_mels, frames): drop the batch
    with pytest.raises(ValueError, match="temperature"):
        generate(model, mel[0], temperature=0.0)
    with pytest.raises(ValueError, match="pass log_mel"):
        generate(model, None, length=10)
    with pytest.raises(TypeError, match="float"):
        mu_law_encode(torch.tensor([1, 2, 3]))
    with pytest.raises(ValueError, match="codes"):
        mu_law_decode(torch.tensor([0, 300]))


def test_recipe_batches_line_up_with_frames():
    from aigc_lab.speech.wavenet_recipe import (SAMPLE_RATE, class_entropy_bits, features, log_mel_distance,
                                                training_batches)

    settings = {"n_fft": 256, "hop": 64, "n_mels": 32, "segment": 512, "batch": 3}
    wave = 0.3 * torch.sin(2 * math.pi * 220 * torch.arange(4000) / SAMPLE_RATE)
    cond = features(wave, settings)
    assert cond.shape == (32, 1 + 4000 // 64)
    codes, c = training_batches(wave, cond, settings)()
    assert codes.shape == (3, 513) and c.shape == (3, 32, 512 // 64 + 1)    # frames f .. f + segment / hop
    assert log_mel_distance(wave, wave, settings) == 0.0 and log_mel_distance(wave, 0 * wave, settings) > 10
    assert 0 < class_entropy_bits(wave) < 8
