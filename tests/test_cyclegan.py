"""CycleGAN (aigc_lab.video.cyclegan): shapes, the losses on hand-worked cases, a tiny run that learns."""
from __future__ import annotations

import pytest
import torch

from aigc_lab.data.video import unpaired_shapes
from aigc_lab.video.cyclegan import (CycleGAN, CycleGANConfig, PatchDiscriminator, cycle_loss,
                                     lsgan_discriminator_loss, lsgan_generator_loss, patch_receptive_field,
                                     train_cyclegan)
from aigc_lab.video.cyclegan_recipe import outline_by_rule, unpaired_batches

TINY = CycleGANConfig(width=8, disc_width=8)


def test_shapes_and_an_untrained_generator_is_almost_the_identity():
    torch.manual_seed(0)
    model = CycleGAN(TINY)
    x = torch.rand(2, 3, 32, 32) * 0.9 + 0.05
    for direction in ("a2b", "b2a"):
        y = model.translate(x, direction)
        assert y.shape == x.shape and 0 <= y.min() and y.max() <= 1
        assert (y - x).abs().max() < 1e-4           # zero-initialised last layer: G starts as the identity
    assert model.D_a(x).shape == (2, 1, 6, 6)
    videos = torch.rand(2, 5, 3, 32, 32)
    assert model.translate_video(videos).shape == videos.shape


def test_lsgan_losses_on_hand_worked_cases():
    real, fake = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 2.0])
    # D: 1/2 [mean((1-1)^2, (0-1)^2) + mean(0^2, 2^2)] = 1/2 [0.5 + 2] = 1.25
    assert lsgan_discriminator_loss(real, fake).item() == pytest.approx(1.25)
    # G: mean((0-1)^2, (2-1)^2) = 1
    assert lsgan_generator_loss(fake).item() == pytest.approx(1.0)
    # a perfect discriminator has zero loss, and a generator that fools it has zero loss
    assert lsgan_discriminator_loss(torch.ones(3), torch.zeros(3)).item() == 0
    assert lsgan_generator_loss(torch.ones(3)).item() == 0
    # cycle: mean |(0.5, 1) - (0, 0)| = 0.75
    assert cycle_loss(torch.zeros(2), torch.tensor([0.5, -1.0])).item() == pytest.approx(0.75)


def test_patch_receptive_field_matches_pix2pix_and_a_real_gradient():
    assert patch_receptive_field([(4, 2), (4, 2), (4, 2), (4, 1), (4, 1)]) == 70     # pix2pix's 70x70 PatchGAN
    assert patch_receptive_field(PatchDiscriminator.LAYERS) == 34
    # the pixels whose gradient reaches one score, in a big image (so padding does not cut the patch)
    torch.manual_seed(0)
    disc = PatchDiscriminator(TINY)
    # GroupNorm's statistics span the whole image, so probe the convolutions (and activations) alone
    probe = torch.nn.Sequential(*[layer for layer in disc.net if not isinstance(layer, torch.nn.GroupNorm)])
    x = torch.rand(1, 3, 96, 96, requires_grad=True)
    probe(x)[0, 0, 10, 10].backward()
    rows = x.grad.abs().sum(dim=(0, 1, 3)).nonzero()
    assert rows.max() - rows.min() + 1 == 34


def test_generator_loss_weights_its_terms_and_identity_can_be_turned_off():
    torch.manual_seed(0)
    model = CycleGAN(TINY)
    batch = (torch.rand(2, 3, 32, 32), torch.rand(2, 3, 32, 32))
    terms = model.generator_losses(batch)
    expected = terms["adversarial"] + 10 * terms["cycle"] + 5 * terms["identity"]
    assert torch.allclose(terms["total"], expected)
    no_identity = CycleGAN(CycleGANConfig(width=8, disc_width=8, lambda_identity=0.0))
    assert no_identity.generator_losses(batch)["identity"].item() == 0


def test_bad_input_fails_clearly():
    model = CycleGAN(TINY)
    with pytest.raises(ValueError, match="expected images"):
        model.translate(torch.rand(2, 1, 32, 32))
    with pytest.raises(ValueError, match="direction"):
        model.translate(torch.rand(2, 3, 32, 32), "sideways")
    with pytest.raises(ValueError, match="divisible"):
        model.translate(torch.rand(2, 3, 30, 30))


def test_outline_rule_turns_a_filled_square_into_its_ring():
    image = torch.full((1, 3, 16, 16), 0.08)
    image[:, 0, 4:12, 4:12] = 0.9                   # an 8 x 8 red square
    ring = outline_by_rule(image)[0, 0]
    assert ring[4, 4:12].eq(0.9).all() and ring[7, 4] == 0.9 and ring[7, 7] == pytest.approx(0.08)
    assert ring.eq(0.9).sum() == 8 * 8 - 6 * 6


def test_a_tiny_run_reduces_the_cycle_loss_and_the_discriminators_learn():
    torch.manual_seed(0)
    a, b = unpaired_shapes(64, size=32, seed=0)
    model = CycleGAN(TINY)
    for generator in (model.G_ab, model.G_ba):      # start away from the identity, so the cycle is long
        torch.nn.init.normal_(generator.net.head.weight, std=0.2)

    def cycle_error() -> float:
        return (model.translate(model.translate(a[:32]), "b2a") - a[:32]).abs().mean().item()

    before = cycle_error()
    history = train_cyclegan(model, unpaired_batches(a, b, 8), steps=40, lr=2e-3, device="cpu", log_every=10)
    assert len(history.steps) == 4 and history.steps[-1] == 40
    assert history.cycle[-1] < 0.5 * history.cycle[0]
    assert cycle_error() < 0.5 * before
    assert history.d_loss[-1] < history.d_loss[0]   # the discriminators learn to tell real from translated
