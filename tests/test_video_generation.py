"""The conditional space-time VAE (aigc_lab.video.clip_generator): shapes, parity, a tiny run that learns."""
from __future__ import annotations

import pytest
import torch
from torch.distributions import Normal, kl_divergence

from aigc_lab import train
from aigc_lab.data.video import moving_shapes, resize_clips
from aigc_lab.video.clip_generator import ClipVAE, ClipVAEConfig, compose_two_stream, kl_to_standard_normal
from aigc_lab.video.generation_recipe import clip_batches, consistency_figures, shuffled_frames

TINY = ClipVAEConfig(frames=8, size=16, classes=6, width=8, latent=8)


def test_shapes_of_encode_decode_and_generate():
    torch.manual_seed(0)
    model = ClipVAE(TINY)
    videos, labels = torch.rand(3, 8, 3, 16, 16), torch.tensor([0, 3, 5])
    mu, logvar = model.encode(videos, labels)
    assert mu.shape == logvar.shape == (3, 8)
    assert model.decode(mu, labels).shape == videos.shape
    clips = model.generate(torch.tensor([1, 2]), generator=torch.Generator().manual_seed(0))
    assert clips.shape == (2, 8, 3, 16, 16) and 0 <= clips.min() and clips.max() <= 1


def test_kl_matches_torch_distributions():
    torch.manual_seed(0)
    mu, logvar = torch.randn(4, 5), torch.randn(4, 5)
    expected = kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)).sum(-1)
    assert torch.allclose(kl_to_standard_normal(mu, logvar), expected, atol=1e-5)


def test_loss_is_reconstruction_plus_beta_kl():
    torch.manual_seed(0)
    model = ClipVAE(ClipVAEConfig(frames=8, size=16, width=8, latent=8, beta=0.5))
    terms = model.losses((torch.rand(2, 8, 3, 16, 16), torch.tensor([0, 1])))
    assert torch.allclose(terms["loss"], terms["reconstruction"] + 0.5 * terms["kl"])
    assert terms["kl"] >= 0


def test_two_stream_composition_keeps_the_background_still():
    torch.manual_seed(0)
    mask = torch.zeros(1, 4, 1, 8, 8)
    mask[:, :, :, 2:4, 2:4] = 1                                 # the object: a 2 x 2 patch
    foreground, background = torch.rand(1, 4, 3, 8, 8), torch.rand(1, 3, 8, 8)
    clip = compose_two_stream(mask, foreground, background)
    assert torch.equal(clip[0, :, :, 2:4, 2:4], foreground[0, :, :, 2:4, 2:4])
    assert torch.equal(clip[0, :, :, 5:, 5:], background[0, None, :, 5:, 5:].expand(4, -1, -1, -1))


def test_consistency_figures_rank_frozen_real_and_shuffled_clips():
    clips = resize_clips(moving_shapes(24, frames=8, size=32, seed=0, plain_background=True).videos, 16)
    frozen = clips[:, :1].expand_as(clips)
    figures = consistency_figures(frozen, clips)
    assert figures["consistency_ratio"] == 0
    assert figures["shuffled_ratio"] > 1.2                      # shuffled time changes more between frames
    assert shuffled_frames(clips).shape == clips.shape


def test_bad_input_fails_clearly():
    model = ClipVAE(TINY)
    with pytest.raises(ValueError, match="expected videos"):
        model.encode(torch.rand(2, 6, 3, 16, 16), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="labels"):
        model.generate(torch.tensor([6]))
    with pytest.raises(ValueError, match="divisible"):
        ClipVAE(ClipVAEConfig(frames=6))


def test_a_tiny_run_learns():
    torch.manual_seed(0)
    clips = moving_shapes(64, frames=8, size=32, seed=0, plain_background=True)
    videos = resize_clips(clips.videos, 16).clamp(0, 1)
    model = ClipVAE(TINY)
    history = train.fit(model, clip_batches(videos, clips.motions, 16), steps=60, lr=3e-3, device="cpu",
                        log_every=10, progress=False)
    assert history.train_loss[-1] < 0.8 * history.train_loss[0]
