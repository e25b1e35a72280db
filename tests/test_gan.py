"""The GANs of notebooks/03_image/03_gan: shapes, the losses against binary cross-entropy, modulated
convolution against a plain convolution, AdaIN against instance norm, style mixing and truncation,
and short training runs on the CPU (including the bf16 autocast path the GPU takes)."""
import pytest
import torch
import torch.nn.functional as F

from aigc_lab.data.image import load_digits, shuffled_batches
from aigc_lab.image.dcgan import (DCGANConfig, Discriminator, Generator, collapsed_generator_samples, minibatch_std,
                                  sample)
from aigc_lab.image.gan_training import discriminator_loss, generator_loss, mode_seeking_loss, r1_penalty, train_gan
from aigc_lab.train import EMA
from aigc_lab.image.judge import nearest_distance
from aigc_lab.image.stylegan import (ModulatedConv2d, StyleGANConfig, StyleGenerator, adain, modulated_weight,
                                     pixel_norm)


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


SMALL = dict(channels=16, latent=8)


@pytest.mark.parametrize("classes", [0, 10])
def test_dcgan_shapes_and_range(classes):
    torch.manual_seed(0)
    G, D = Generator(DCGANConfig(classes=classes, **SMALL)), Discriminator(DCGANConfig(classes=classes, **SMALL))
    labels = torch.arange(6) % 10 if classes else None
    images = G(torch.randn(6, 8), labels)
    assert images.shape == (6, 1, 16, 16) and images.min() >= 0 and images.max() <= 1
    assert D(images, labels).shape == (6,)
    if classes:
        with pytest.raises(ValueError, match="labels"):
            G(torch.randn(6, 8))


def test_sample_is_seeded_and_keeps_the_training_mode():
    G = Generator(DCGANConfig(**SMALL)).train()
    a, b = G.sample(7, seed=3), G.sample(7, seed=3)
    assert torch.equal(a, b) and a.shape == (7, 1, 16, 16) and G.training
    assert not torch.equal(a, G.sample(7, seed=4))
    with pytest.raises(ValueError, match="labels"):
        sample(Generator(DCGANConfig(classes=10, **SMALL)), 4)


def test_losses_are_binary_cross_entropy_on_logits():
    generator = torch.Generator().manual_seed(0)
    real, fake = torch.randn(9, generator=generator) * 3, torch.randn(9, generator=generator) * 3
    bce = F.binary_cross_entropy_with_logits
    assert torch.allclose(discriminator_loss(real, fake), bce(real, torch.ones(9)) + bce(fake, torch.zeros(9)), atol=1e-6)
    assert torch.allclose(generator_loss(fake), bce(fake, torch.ones(9)), atol=1e-6)             # -log D(G(z))
    assert torch.allclose(generator_loss(fake, "minimax"), torch.log1p(-torch.sigmoid(fake)).mean(), atol=1e-5)
    with pytest.raises(ValueError, match="non_saturating"):
        generator_loss(fake, "hinge")


def test_minimax_loss_saturates_where_the_discriminator_wins():
    logits = torch.tensor([-6.0], requires_grad=True)                  # D is sure the fake is fake
    (grad_minimax,) = torch.autograd.grad(generator_loss(logits, "minimax"), logits)
    (grad_ns,) = torch.autograd.grad(generator_loss(logits, "non_saturating"), logits)
    assert grad_minimax.abs() < 0.01 < 0.9 < grad_ns.abs()


def test_modulated_conv_equals_a_plain_conv_with_scaled_weights():
    torch.manual_seed(0)
    conv = ModulatedConv2d(5, 4, 3, w_dim=6, demodulate=False)
    x, w = torch.randn(1, 5, 7, 7), torch.randn(1, 6)
    styles = conv.affine(w)                                            # (1, 5)
    plain = F.conv2d(x, conv.weight * styles[0][None, :, None, None], padding=1)
    assert torch.allclose(conv(x, w), plain, atol=1e-5)
    assert torch.allclose(conv.forward_grouped(x, w), plain, atol=1e-5)


def test_modulated_conv_fast_path_equals_per_sample_weights_and_demodulates():
    torch.manual_seed(1)
    conv = ModulatedConv2d(6, 5, 3, w_dim=4)
    x, w = torch.randn(3, 6, 9, 9), torch.randn(3, 4)
    assert torch.allclose(conv(x, w), conv.forward_grouped(x, w), atol=1e-5)
    weights = modulated_weight(conv.weight, conv.affine(w))            # (3, 5, 6, 3, 3)
    assert torch.allclose(weights.pow(2).sum(dim=(2, 3, 4)), torch.ones(3, 5), atol=1e-4)
    # demodulation: unit-variance i.i.d. input -> unit-variance output, whatever the style
    big = torch.randn(3, 6, 64, 64)
    out = conv(big, w * 10)[:, :, 1:-1, 1:-1]
    assert torch.allclose(out.var(dim=(2, 3)), torch.ones(3, 5), atol=0.1)


def test_adain_matches_instance_norm_then_a_per_sample_affine():
    generator = torch.Generator().manual_seed(2)
    x = torch.randn(2, 3, 5, 5, generator=generator) * 4 + 1
    scale, bias = torch.randn(2, 3, generator=generator), torch.randn(2, 3, generator=generator)
    expected = F.instance_norm(x, eps=1e-5) * scale[:, :, None, None] + bias[:, :, None, None]
    out = adain(x, scale, bias)
    assert torch.allclose(out, expected, atol=1e-5)
    assert torch.allclose(out.mean(dim=(2, 3)), bias, atol=1e-5)


@pytest.mark.parametrize("classes", [0, 10])
def test_stylegan_shapes_mixing_and_truncation(classes):
    torch.manual_seed(0)
    G = StyleGenerator(StyleGANConfig(latent=8, w_dim=8, channels=16, classes=classes))
    labels = torch.arange(4) % 10 if classes else None
    G.train()
    assert G(torch.randn(4, 8), labels).shape == (4, 1, 16, 16)        # training path with style mixing
    G.eval()
    z1, z2, noise = torch.randn(4, 8), torch.randn(4, 8), G.fixed_noise(4)
    only_1 = G(z1, labels, noise=noise)
    assert torch.allclose(G.mix(z1, z2, G.num_ws, labels, labels, noise=noise), only_1, atol=1e-6)
    assert torch.allclose(G.mix(z2, z1, 0, labels, labels, noise=noise), only_1, atol=1e-6)
    mixed = G.mix(z1, z2, 3, labels, labels, noise=noise)
    assert not torch.allclose(mixed, only_1)
    G.train()
    G(torch.randn(64, 8), None if not classes else torch.arange(64) % 10)  # tracks the average w (per class)
    G.eval()
    same = None if not classes else torch.full((4,), 3)
    truncated = G(torch.randn(4, 8), same, truncation=0.0, noise=[n[:1].expand_as(n) for n in noise])
    assert torch.allclose(truncated, truncated[:1].expand_as(truncated), atol=1e-6)  # every w becomes w_avg
    assert G.w_avg.abs().sum() > 0
    assert G.sample(5, None if not classes else torch.arange(5), seed=1).shape == (5, 1, 16, 16)


def test_minibatch_std_is_an_extra_channel_that_sees_collapse():
    h = torch.randn(8, 12)
    assert minibatch_std(h).shape == (8, 1)
    assert torch.allclose(minibatch_std(h)[0, 0], h.std(dim=0, unbiased=False).mean())
    assert float(minibatch_std(h[:1].expand(8, -1)).max()) == 0.0
    D = Discriminator(DCGANConfig(minibatch_std=True, **SMALL))
    assert D(torch.rand(5, 1, 16, 16)).shape == (5,)


def test_r1_penalty_is_the_squared_gradient_norm():
    class Linear(torch.nn.Module):
        def forward(self, x, labels=None):
            return 3 * x.flatten(1).sum(1)

    x = torch.rand(4, 1, 2, 2)
    assert r1_penalty(Linear(), x, None).item() == pytest.approx(9 * 4)


def test_mode_seeking_loss_on_a_hand_worked_case():
    # pair 0: images differ by 0.5 in every pixel, codes by 2 -> ratio 0.25; pair 1: images 0.1 apart, codes 1 -> 0.1
    fake_a, fake_b = torch.zeros(2, 1, 2, 2), torch.tensor([0.5, 0.1]).view(2, 1, 1, 1).expand(2, 1, 2, 2)
    z_a, z_b = torch.zeros(2, 3), torch.tensor([[2.0, -2.0, 2.0], [1.0, 1.0, -1.0]])
    assert mode_seeking_loss(fake_a, fake_b, z_a, z_b, eps=0).item() == pytest.approx(1 / 0.175)
    # identical images for different codes (collapse) cost 1 / eps: the loss pushes them apart
    assert mode_seeking_loss(fake_a, fake_a, z_a, z_b, eps=1e-5).item() == pytest.approx(1e5)


def test_collapsed_generator_repeats_one_image():
    image = torch.rand(1, 16, 16)
    out = collapsed_generator_samples(image, 5)
    assert out.shape == (5, 1, 16, 16) and torch.equal(out[3, 0], image[0])


def _distance_to_digits(G, digits):
    """Mean distance from 200 samples to their nearest training digit: large for noise, small for digits."""
    return float(nearest_distance(G.sample(200, seed=0), digits.x_train).mean())


@pytest.mark.parametrize("kind", ["dcgan", "stylegan"])
def test_a_short_gan_run_moves_the_samples_towards_the_data(kind):
    torch.manual_seed(0)
    digits = load_digits(16)
    if kind == "dcgan":
        G = Generator(DCGANConfig(channels=32, latent=16))
    else:
        G = StyleGenerator(StyleGANConfig(channels=32, latent=16, w_dim=16, mapping_layers=2))
    D = Discriminator(DCGANConfig(channels=32, latent=16))
    lr = 1e-3 if kind == "dcgan" else 5e-4                             # at 1e-3 the small StyleGAN oscillates
    before = _distance_to_digits(G, digits)
    history = train_gan(G, D, shuffled_batches(digits.x_train, digits.y_train, 32), steps=120, lr_g=lr, lr_d=lr,
                        progress=False, device="cpu", eval_fn=lambda g: {"mean": g.sample(64).mean()}, eval_every=60)
    assert history.step == 120 and len(history.d_loss) == len(history.g_loss) == len(history.steps)
    assert [e["step"] for e in history.evals] == [60, 120]
    assert _distance_to_digits(G, digits) < 0.7 * before


def test_conditional_run_with_autocast_r1_and_ema():
    """The code path the GPU profile takes (bf16 autocast), with R1, mode seeking and the weight average, on the CPU."""
    torch.manual_seed(0)
    digits = load_digits(16)
    config = DCGANConfig(channels=16, latent=8, classes=10, minibatch_std=True)
    G, D = Generator(config), Discriminator(config)
    history = train_gan(G, D, shuffled_batches(digits.x_train, digits.y_train, 16), steps=6, amp=True, r1_gamma=1.0,
                        diversity=0.5, ema=0.9, g_steps=2, g_loss="minimax", progress=False, device="cpu", log_every=2)
    assert history.steps == [2, 4, 6]
    assert all(torch.isfinite(torch.tensor(v)) for v in history.d_loss + history.g_loss)
    assert not G.training and G.sample(10, torch.arange(10)).shape == (10, 1, 16, 16)
    with pytest.raises(ValueError, match="generator loss"):
        train_gan(G, D, shuffled_batches(digits.x_train, digits.y_train, 16), steps=1, g_loss="wasserstein")


def test_pixel_norm_gives_every_pixel_unit_rms_features_and_stops_activations_growing():
    x = torch.randn(2, 6, 4, 4) * 50 + 3
    assert torch.allclose(pixel_norm(x).pow(2).mean(dim=1), torch.ones(2, 4, 4), atol=1e-4)
    torch.manual_seed(0)
    G = StyleGenerator(StyleGANConfig(latent=8, w_dim=8, channels=16)).eval()
    with torch.no_grad():
        for p in G.synthesis.parameters():
            p.mul_(5)                                                  # as if training had inflated every weight
        G.synthesis.layers[-1].conv.weight.abs_()                      # and aligned the last layer's
        ws = G.mapping(torch.randn(4, 8))[:, None].repeat(1, G.num_ws, 1)
        x = G.synthesis.const.expand(4, -1, -1, -1)
        for i, layer in enumerate(G.synthesis.layers):
            if i in G.synthesis.upsample_before:
                x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
            x = layer(x, ws[:, i])
    assert torch.allclose(x.pow(2).mean(dim=1), torch.ones(4, 16, 16), atol=1e-3)


def test_ema_on_a_hand_worked_case():
    """One weight w, decay 0.5: the average moves half way to w at every update (after the warm-up)."""
    model = torch.nn.Linear(1, 1, bias=False)
    model.register_buffer("count", torch.zeros(()))
    with torch.no_grad():
        model.weight.fill_(0.0)
    ema = EMA(model, decay=0.5)
    assert ema.decay_at(1) == pytest.approx(2 / 11) and ema.decay_at(100) == 0.5   # warm-up cap (1 + s) / (10 + s)
    for w, expected in [(1.0, 0.5), (3.0, 1.75), (3.0, 2.375)]:                   # avg <- 0.5 avg + 0.5 w
        with torch.no_grad():
            model.weight.fill_(w)
            model.count += 1
        ema.update(100, model)
        assert ema.model.weight.item() == pytest.approx(expected)
    assert ema.model.count.item() == 3                                          # buffers are copied
    assert not ema.model.weight.requires_grad and model.weight.requires_grad     # the copy is separate
    ema.update(1, model)                                                        # warm-up: mostly the new weight
    assert ema.model.weight.item() == pytest.approx(2 / 11 * 2.375 + 9 / 11 * 3.0)
    with pytest.raises(ValueError, match="decay"):
        EMA(model, decay=1.0)


def _count_gradients(module: torch.nn.Module) -> list[int]:
    """A counter per parameter of how many times a backward pass accumulated into its ``.grad``."""
    counts = [0] * len(list(module.parameters()))
    for i, p in enumerate(module.parameters()):
        p.register_post_accumulate_grad_hook(lambda _p, i=i: counts.__setitem__(i, counts[i] + 1))
    return counts


@pytest.mark.parametrize("g_steps", [1, 2])
def test_generator_steps_leave_the_discriminator_frozen(g_steps):
    """D's gradients come from its own step only (with R1 too); G's from its steps only; D trainable again after."""
    torch.manual_seed(0)
    digits = load_digits(16)
    config = DCGANConfig(classes=10, **SMALL)
    G, D = Generator(config), Discriminator(config)
    d_counts, g_counts = _count_gradients(D), _count_gradients(G)
    after_step = []
    train_gan(G, D, shuffled_batches(digits.x_train, digits.y_train, 8), steps=3, g_steps=g_steps, r1_gamma=1.0,
              progress=False, device="cpu", on_step_end=lambda step, G, D: after_step.append(list(d_counts)))
    assert after_step == [[1] * len(d_counts), [2] * len(d_counts), [3] * len(d_counts)]
    assert g_counts == [3 * g_steps] * len(g_counts)
    assert all(p.requires_grad for p in D.parameters())

