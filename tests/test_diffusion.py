"""Diffusion (aigc_lab.image.diffusion_unet, ddpm, samplers): the equations of Ho et al. 2020 and Song et al. 2021
checked against their derivations, the samplers against each other and against data whose exact noise predictor
is known, the U-Net's shapes and conditioning, and a tiny training run that must learn."""
from __future__ import annotations

import pytest
import torch

from aigc_lab import runtime, train
from aigc_lab.data.image import load_digits, shuffled_batches
from aigc_lab.image.ddpm import DDPM, EMA, NoiseSchedule
from aigc_lab.image.diffusion_unet import DiffusionUNet, UNetConfig, sinusoidal_embedding
from aigc_lab.image.samplers import DDIMSampler, DDPMSampler, guided_noise


pytestmark = pytest.mark.usefixtures("one_thread")   # tiny models: one thread is fastest (tests/conftest.py)


TINY = UNetConfig(image_size=8, base=8, mults=(1, 2), groups=4, num_classes=3)


def tiny_model(config: UNetConfig = TINY, T: int = 20, seed: int = 0) -> DDPM:
    """A small untrained model whose output is not identically zero (the U-Net's last conv starts at zero)."""
    torch.manual_seed(seed)
    net = DiffusionUNet(config)
    torch.nn.init.normal_(net.conv_out.weight, std=0.1)
    for block in list(net.down) + list(net.up) + [net.mid1, net.mid2]:
        torch.nn.init.normal_(block.conv2.weight, std=0.05)
    return DDPM(net, NoiseSchedule.linear(T)).eval()


class GaussianData:
    """Data x_0 ~ N(0, s^2 I): every x_t is Gaussian, and the exact noise predictor is known in closed form,
    E[eps | x_t] = sqrt(1 - abar_t) x_t / (abar_t s^2 + 1 - abar_t). A perfect "trained model" for testing samplers."""

    def __init__(self, schedule: NoiseSchedule, s: float):
        self.schedule, self.s = schedule, s

    def predict_noise(self, x_t, t, **condition):
        abar = self.schedule.alpha_bars[t].float().view(-1, 1, 1, 1)
        return (1 - abar).sqrt() * x_t / (abar * self.s ** 2 + 1 - abar)


# --------------------------------------------------------------------------- the forward process
@pytest.mark.parametrize("schedule", [NoiseSchedule.linear(100), NoiseSchedule.cosine(100)], ids=["linear", "cosine"])
def test_closed_form_q_xt_given_x0_matches_iterating_the_forward_process(schedule):
    # moments of x_t = sqrt(alpha_t) x_{t-1} + sqrt(beta_t) eps (eq. 2), iterated exactly: eq. (4) must agree
    mean, var = torch.tensor(1.0, dtype=torch.float64), torch.tensor(0.0, dtype=torch.float64)
    for t in range(schedule.T):
        mean, var = schedule.alphas[t].sqrt() * mean, schedule.alphas[t] * var + schedule.betas[t]
        assert torch.isclose(mean, schedule.alpha_bars[t].sqrt(), atol=1e-12)
        assert torch.isclose(var, 1 - schedule.alpha_bars[t], atol=1e-12)
    # and by simulation: 20,000 chains of the forward process against one-shot q_sample
    generator = torch.Generator().manual_seed(0)
    x0 = torch.full((20_000, 1, 1, 1), 0.7)
    x = x0.clone()
    for t in range(60):
        x = schedule.alphas[t].sqrt().float() * x + schedule.betas[t].sqrt().float() * torch.randn(x.shape, generator=generator)
    t = torch.full((20_000,), 59)
    direct = schedule.q_sample(x0, t, torch.randn(x0.shape, generator=generator))
    assert abs(x.mean() - direct.mean()) < 0.03 and abs(x.std() - direct.std()) < 0.03


def test_posterior_of_eq_7_is_bayes_rule():
    schedule = NoiseSchedule.linear(50)
    x0, x_t = torch.tensor([0.3, -0.8]).view(2, 1, 1, 1).double(), torch.tensor([1.1, 0.2]).view(2, 1, 1, 1).double()
    for t in (1, 10, 49):
        abar_prev, alpha, beta = schedule.alpha_bars[t - 1], schedule.alphas[t], schedule.betas[t]
        # prior x_{t-1} ~ N(sqrt(abar_{t-1}) x0, 1 - abar_{t-1}); likelihood x_t ~ N(sqrt(alpha_t) x_{t-1}, beta_t)
        precision = 1 / (1 - abar_prev) + alpha / beta
        mean = (abar_prev.sqrt() * x0 / (1 - abar_prev) + alpha.sqrt() * x_t / beta) / precision
        tt = torch.full((2,), t)
        assert torch.allclose(schedule.posterior_mean(x0, x_t, tt), mean, atol=1e-10)
        assert torch.isclose(schedule.posterior_variance[t], 1 / precision, atol=1e-12)


def test_schedules_and_their_bad_input():
    linear = NoiseSchedule.linear(1000)
    assert torch.isclose(linear.betas[0], torch.tensor(1e-4, dtype=torch.float64))
    assert torch.isclose(linear.betas[-1], torch.tensor(0.02, dtype=torch.float64))
    assert float(linear.alpha_bars[-1]) < 1e-4 and float(NoiseSchedule.cosine(1000).alpha_bars[-1]) < 1e-4
    assert bool((linear.alpha_bars[1:] < linear.alpha_bars[:-1]).all())
    with pytest.raises(ValueError, match="between 0 and 1"):
        NoiseSchedule(torch.tensor([0.1, 1.5]))


# --------------------------------------------------------------------------- the samplers
def test_ddpm_step_without_clipping_is_eq_11():
    schedule = NoiseSchedule.linear(30)
    x_t, eps = torch.randn(4, 1, 8, 8), torch.randn(4, 1, 8, 8)
    for t in (0, 7, 29):
        x_prev, _ = DDPMSampler(clip=False).step(schedule, x_t, t, t - 1, eps, torch.Generator().manual_seed(3))
        alpha, beta, abar = (float(v[t]) for v in (schedule.alphas, schedule.betas, schedule.alpha_bars))
        mean = (x_t - beta / (1 - abar) ** 0.5 * eps) / alpha ** 0.5                                # eq. (11)
        noise = torch.randn(x_t.shape, generator=torch.Generator().manual_seed(3)) if t > 0 else 0
        expected = mean + float(schedule.posterior_variance[t]) ** 0.5 * noise
        assert torch.allclose(x_prev, expected, atol=1e-5)


@pytest.mark.parametrize("clip", [False, True])
def test_ddim_with_eta_1_and_every_step_is_ddpm(clip):
    model = tiny_model()
    labels, noise = torch.tensor([0, 1, 2, 1]), torch.randn(4, 1, 8, 8)
    ddpm = DDPMSampler(clip=clip).sample(model, labels=labels, noise=noise, generator=torch.Generator().manual_seed(5))
    ddim = DDIMSampler(steps=model.schedule.T, eta=1.0, clip=clip).sample(
        model, labels=labels, noise=noise, generator=torch.Generator().manual_seed(5))
    assert ddim.images.abs().max() > 0.1
    assert torch.allclose(ddpm.images, ddim.images, atol=1e-4)


def test_ddim_with_eta_0_is_deterministic_and_invertible():
    schedule = NoiseSchedule.cosine(200)
    oracle = GaussianData(schedule, s=0.5)
    sampler = DDIMSampler(steps=200, eta=0.0, clip=False)
    noise = torch.randn(6, 1, 4, 4, generator=torch.Generator().manual_seed(0))
    first = sampler.sample(oracle, noise=noise, shape=(1, 4, 4), generator=torch.Generator().manual_seed(1)).images
    again = sampler.sample(oracle, noise=noise, shape=(1, 4, 4), generator=torch.Generator().manual_seed(2)).images
    assert torch.equal(first, again)                                  # no randomness once x_T is fixed
    recovered = sampler.invert(oracle, first)                         # image -> noise -> image
    assert torch.allclose(recovered, noise, atol=0.05)


@pytest.mark.parametrize("sampler", [DDPMSampler(clip=False), DDIMSampler(steps=100, clip=False),
                                     DDIMSampler(steps=100, eta=1.0, clip=False)], ids=["ddpm", "ddim", "ddim-eta1"])
def test_samplers_with_the_exact_noise_predictor_reproduce_the_data_distribution(sampler):
    # x_0 ~ N(0, 0.5^2), x_T ~ N(0, 1): the samples must shrink to std 0.5. (Fewer steps leave a discretisation
    # error that shrinks as the step count grows: DDIM with 10 steps gives about 0.43 here.)
    schedule = NoiseSchedule.cosine(200)
    out = sampler.sample(GaussianData(schedule, s=0.5), 2000, shape=(1, 2, 2), frames=0,
                         generator=torch.Generator().manual_seed(0))
    assert abs(out.images.mean()) < 0.03
    assert abs(out.images.std() - 0.5) < 0.03


def test_sampler_output_frames_and_batching():
    model = tiny_model()
    out = DDIMSampler(steps=10).sample(model, labels=torch.arange(3).repeat(3), frames=5, batch_size=4,
                                       generator=torch.Generator().manual_seed(0))
    assert out.images.shape == (9, 1, 8, 8) and out.images.abs().max() <= 1
    assert out.frames.shape[1:] == (9, 1, 8, 8) and out.frames.shape == out.predicted_x0.shape
    assert len(out.timesteps) == len(out.frames) and out.timesteps[0] == 19 and out.timesteps[-1] == -1
    assert torch.equal(out.frames[-1], out.images)
    assert DDPMSampler().sample(model, 2, frames=0).frames.shape == (1, 2, 1, 8, 8)
    with pytest.raises(ValueError, match="how many"):
        DDIMSampler().sample(model)


def test_classifier_free_guidance_mixes_conditional_and_unconditional():
    model = tiny_model()
    x, t, labels = torch.randn(3, 1, 8, 8), torch.tensor([3, 10, 19]), torch.tensor([0, 1, 2])
    with torch.no_grad():
        cond = model.predict_noise(x, t, labels=labels)
        uncond = model.predict_noise(x, t, labels=labels, drop=torch.ones(3, dtype=torch.bool))
        assert not torch.allclose(cond, uncond)
        assert torch.allclose(guided_noise(model, x, t, {"labels": labels}, 1.0), cond, atol=1e-5)
        assert torch.allclose(guided_noise(model, x, t, {"labels": labels}, 0.0), uncond, atol=1e-5)
        assert torch.allclose(guided_noise(model, x, t, {"labels": labels}, 3.0), uncond + 3 * (cond - uncond), atol=1e-5)


# --------------------------------------------------------------------------- the U-Net
@pytest.mark.parametrize("config", [
    TINY,
    UNetConfig(image_size=16, base=8, patch=2, mults=(1, 2), groups=4, num_classes=10),
    UNetConfig(image_size=8, in_channels=3, base=8, mults=(1, 1, 2), blocks=2, groups=4, attention=False),
    UNetConfig(image_size=8, base=8, mults=(1, 2), groups=4, cond_dim=5, cond_channels=2),
], ids=["class", "patch2", "rgb-unconditional", "vector-and-image-condition"])
def test_unet_keeps_the_image_shape(config):
    net = DiffusionUNet(config)
    x = torch.randn(2, config.in_channels, config.image_size, config.image_size)
    kwargs = {}
    if config.num_classes:
        kwargs["labels"] = torch.tensor([0, 1])
    if config.cond_dim:
        kwargs["cond"] = torch.randn(2, config.cond_dim)
    if config.cond_channels:
        kwargs["cond_image"] = torch.randn(2, config.cond_channels, config.image_size, config.image_size)
    out = net(x, torch.tensor([0, 5]), **kwargs)
    assert out.shape == x.shape and torch.equal(out, torch.zeros_like(out))   # output conv starts at zero
    assert net(x, torch.tensor(3)).shape == x.shape                              # scalar t, no condition


def test_conditioning_reaches_the_output_and_drop_removes_it():
    config = UNetConfig(image_size=8, base=8, mults=(1, 2), groups=4, num_classes=3, cond_dim=4, cond_channels=1)
    net = tiny_model(config).net
    x, t = torch.randn(2, 1, 8, 8), torch.tensor([4, 4])
    cond, image = torch.randn(2, 4), torch.randn(2, 1, 8, 8)
    drop = torch.ones(2, dtype=torch.bool)
    with torch.no_grad():
        base = net(x, t, labels=torch.tensor([0, 0]), cond=cond, cond_image=image)
        for changed in ({"labels": torch.tensor([1, 1])}, {"cond": cond + 1}, {"cond_image": image + 1}):
            kwargs = {"labels": torch.tensor([0, 0]), "cond": cond, "cond_image": image, **changed}
            assert not torch.allclose(net(x, t, **kwargs), base)                 # each condition is used
            dropped = net(x, t, **kwargs, drop=drop)
            assert torch.allclose(dropped, net(x, t, drop=drop), atol=1e-6)     # and drop hides all of them
            assert torch.allclose(dropped, net(x, t), atol=1e-6)                # same as giving none


def test_sinusoidal_embedding_and_bad_sizes():
    emb = sinusoidal_embedding(torch.tensor([0, 1, 500]), 16)
    assert emb.shape == (3, 16)
    assert torch.allclose(emb[0], torch.cat([torch.zeros(8), torch.ones(8)]))
    assert not torch.allclose(emb[1], emb[2])
    with pytest.raises(ValueError, match="divisible"):
        DiffusionUNet(UNetConfig(image_size=12, patch=2, mults=(1, 2, 2)))


# --------------------------------------------------------------------------- training
def test_tiny_training_run_reduces_the_loss():
    runtime.seed_everything(0)
    digits = load_digits(8)
    x = digits.x_train * 2 - 1
    model = DDPM(DiffusionUNet(UNetConfig(image_size=8, base=8, mults=(1, 2), groups=4, num_classes=10)),
                 NoiseSchedule.cosine(100))
    ema = EMA(model, decay=0.9)
    batch = (x[:256], digits.y_train[:256])

    def fixed_loss(m):
        torch.manual_seed(123)                   # the same t and noise before and after training
        with torch.no_grad():
            return float(m.loss(batch))

    before = fixed_loss(model)
    history = train.fit(model, shuffled_batches(x, digits.y_train, 32, seed=0), steps=50, lr=3e-3, warmup=10,
                        on_step_end=ema.update, progress=False, device="cpu")
    after = fixed_loss(model)
    assert abs(before - 1.0) < 0.1               # an untrained U-Net predicts zero noise: loss = E[eps^2] = 1
    assert after < 0.6 * before, (before, after, history.train_loss)
    assert fixed_loss(ema.model) < 0.8 * before  # the moving average learned too
    assert EMA is train.EMA                      # moved to aigc_lab.train (the GANs use it too); old import works


def test_loss_runs_under_bf16_autocast_and_accepts_dict_batches():
    model = tiny_model(UNetConfig(image_size=8, base=8, mults=(1, 2), groups=4, num_classes=3, cond_dim=4))
    batch = {"x": torch.rand(4, 1, 8, 8) * 2 - 1, "labels": torch.tensor([0, 1, 2, 0]), "cond": torch.randn(4, 4)}
    with runtime.autocast("cpu", enabled=True):                    # the GPU code path, rehearsed on the CPU
        loss = model.loss(batch)
    loss.backward()
    assert loss.dtype == torch.float32 and torch.isfinite(loss)
    assert torch.isfinite(DDPM(DiffusionUNet(UNetConfig(image_size=8, base=8, mults=(1, 2), groups=4)),
                               NoiseSchedule.linear(10)).loss(torch.randn(2, 1, 8, 8)))
