"""The VAE of notebooks/03_image/02_vae: shapes, the closed-form KL against a Monte-Carlo estimate and
torch.distributions, the Bernoulli likelihood, the reparameterisation trick, and a short training run."""
import math

import pytest
import torch

from aigc_lab import train
from aigc_lab.data.image import load_digits
from aigc_lab.image.vae import (ConvVAE, VAEConfig, bernoulli_log_likelihood, binarise, binarised_batches, evaluate,
                                importance_weighted_log_likelihood, independent_pixel_nats, interpolate,
                                kl_to_standard_normal, reparameterise)


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_shapes():
    torch.manual_seed(0)
    vae = ConvVAE(VAEConfig(latent=5, channels=(8, 16)))
    x = binarise(torch.rand(3, 1, 16, 16))
    mu, logvar = vae.encode(x)
    assert mu.shape == logvar.shape == (3, 5)
    assert vae.decode(mu).shape == (3, 1, 16, 16)
    assert vae.sample(4).shape == (4, 1, 16, 16)
    assert vae.reconstruct(x).min() >= 0 and vae.reconstruct(x).max() <= 1
    terms = vae.elbo_terms(x)
    assert all(v.shape == (3,) for v in terms.values())
    assert torch.allclose(terms["elbo"], terms["reconstruction"] - terms["kl"])
    assert interpolate(vae, x[0], x[1], steps=6).shape == (6, 1, 16, 16)


def test_kl_closed_form_matches_monte_carlo_and_torch_distributions():
    generator = torch.Generator().manual_seed(0)
    mu = torch.randn(4, 3, generator=generator, dtype=torch.float64)
    logvar = torch.randn(4, 3, generator=generator, dtype=torch.float64) * 0.5
    closed = kl_to_standard_normal(mu, logvar)
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    assert torch.allclose(closed, torch.distributions.kl_divergence(q, p).sum(-1), atol=1e-10)
    z = q.sample((200_000,))                                           # (S, 4, 3)
    monte_carlo = (q.log_prob(z) - p.log_prob(z)).sum(-1).mean(0)      # E_q[log q - log p]
    assert torch.allclose(closed, monte_carlo, atol=0.02)
    assert torch.all(kl_to_standard_normal(torch.zeros(2, 3), torch.zeros(2, 3)) == 0)


def test_bernoulli_log_likelihood_matches_torch_distributions():
    generator = torch.Generator().manual_seed(1)
    logits = torch.randn(2, 1, 4, 4, generator=generator) * 3
    x = binarise(torch.rand(2, 1, 4, 4, generator=generator), generator=generator)
    expected = torch.distributions.Bernoulli(logits=logits).log_prob(x).flatten(1).sum(1)
    assert torch.allclose(bernoulli_log_likelihood(logits, x), expected, atol=1e-5)


def test_reparameterisation_has_the_right_moments_and_passes_gradients():
    mu = torch.tensor([1.0, -2.0], requires_grad=True)
    logvar = torch.tensor([0.0, math.log(4.0)], requires_grad=True)
    z = reparameterise(mu.expand(100_000, 2), logvar.expand(100_000, 2), torch.Generator().manual_seed(0))
    assert torch.allclose(z.mean(0), mu.detach(), atol=0.03)
    assert torch.allclose(z.std(0), torch.tensor([1.0, 2.0]), atol=0.03)
    z.mean(0).sum().backward()
    assert torch.allclose(mu.grad, torch.ones(2))                      # dz/dmu = 1
    assert logvar.grad is not None and torch.isfinite(logvar.grad).all()


def test_independent_pixel_baseline_is_the_bernoulli_likelihood_of_the_mean_image():
    x_train = torch.full((5, 1, 2, 2), 0.25)
    x_test = torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]])
    expected = -(math.log(0.25) + 3 * math.log(0.75))
    assert independent_pixel_nats(x_train, x_test) == pytest.approx(expected, rel=1e-5)


def test_importance_weighting_tightens_the_bound():
    torch.manual_seed(0)
    vae = ConvVAE(VAEConfig(latent=4, channels=(8, 16))).eval()
    x = binarise(torch.rand(16, 1, 16, 16) * 0.5, generator=torch.Generator().manual_seed(0))
    one = importance_weighted_log_likelihood(vae, x, k=1, seed=0).mean()
    many = importance_weighted_log_likelihood(vae, x, k=50, seed=0).mean()
    elbo = evaluate(vae, x, samples=20)["elbo"]
    assert one == pytest.approx(elbo, abs=2.0)                         # k = 1 is an ELBO estimate
    assert many > elbo


def test_a_short_training_run_lowers_the_loss_and_beats_the_independent_pixel_baseline():
    torch.manual_seed(0)
    digits = load_digits(16)
    x_test = binarise(digits.x_test[:200], generator=torch.Generator().manual_seed(0))
    vae = ConvVAE(VAEConfig(latent=8, channels=(16, 32)))
    before = evaluate(vae, x_test, samples=2)["elbo"]
    history = train.fit(vae, binarised_batches(digits.x_train, 64), steps=150, lr=1e-2, warmup=10,
                        progress=False, device="cpu")
    after = evaluate(vae, x_test, samples=2)["elbo"]
    assert history.train_loss[-1] < history.train_loss[0] - 20
    assert after > before + 20
    assert -after < independent_pixel_nats(digits.x_train, x_test)
