"""Checks for the exercises of notebooks/03_image/03_gan.

Each check compares the learner's function with the package's own (``stylegan.modulated_weight``,
``gan_training.r1_penalty``) on tensors and small models made up here. (Exercises 03.a and 03.b, the two GAN
losses, are written out in the notebook itself now: their IDs are retired.)
"""
from __future__ import annotations

import torch

from ..image import dcgan, gan_training, stylegan
from . import exercise


@exercise("03_image.03.c", kind="function",
          hint="Multiply weight[None] (1, out, in, k, k) by styles[:, None, :, None, None]; then divide each "
               "(sample, output channel) slice by the square root of its sum of squares over in, k, k (+ 1e-8).")
def _modulated_weight(answer) -> bool:
    generator = torch.Generator().manual_seed(4)
    weight = torch.randn(5, 3, 3, 3, generator=generator, dtype=torch.float64)
    styles = torch.randn(2, 3, generator=generator, dtype=torch.float64) * 2
    mine = torch.as_tensor(answer(weight.clone(), styles.clone()), dtype=torch.float64)
    expected = stylegan.modulated_weight(weight, styles)
    return mine.shape == expected.shape and torch.allclose(mine, expected, atol=1e-6)


@exercise("03_image.03.d", kind="function",
          hint="Section 4's remedies: make the real images a leaf that needs gradients (real.detach().requires_grad_()), "
               "take torch.autograd.grad of D(real, labels).sum() with respect to it, with create_graph=True so that "
               "the penalty can itself be differentiated for D's weights; then square, sum over each image's pixels and "
               "average over the batch.")
def _r1(answer) -> bool:
    for classes, seed in ((0, 0), (10, 1)):
        torch.manual_seed(seed)
        D = dcgan.Discriminator(dcgan.DCGANConfig(channels=8, classes=classes))
        real = torch.rand(6, 1, 16, 16, generator=torch.Generator().manual_seed(seed + 10))
        labels = torch.arange(6) if classes else None
        expected = gan_training.r1_penalty(D, real, labels)
        params = list(D.parameters())
        zeros = [torch.zeros_like(p) for p in params]                # for weights the penalty does not reach
        expected_grads = [z if g is None else g for g, z in
                          zip(torch.autograd.grad(expected, params, allow_unused=True), zeros)]
        got = answer(D, real.clone(), labels)
        if got is None:
            raise NotImplementedError
        got = torch.as_tensor(got)
        if got.numel() != 1 or not torch.allclose(got.reshape(()).float(), expected, rtol=1e-4, atol=1e-6):
            return False
        if not got.requires_grad:
            return False                                            # not differentiable: no create_graph
        grads = [z if g is None else g for g, z in
                 zip(torch.autograd.grad(got.reshape(()), params, allow_unused=True), zeros)]
        if any(not torch.allclose(g, e, rtol=1e-3, atol=1e-6) for g, e in zip(grads, expected_grads)):
            return False
    # a few discriminator steps of a small DCGAN with the penalty (weight 10): the same weights as the package's
    data = torch.rand(4, 16, 1, 16, 16, generator=torch.Generator().manual_seed(3))
    weights = []
    for penalty in (gan_training.r1_penalty, answer):
        torch.manual_seed(4)
        G, D = dcgan.Generator(dcgan.DCGANConfig(channels=8)), dcgan.Discriminator(dcgan.DCGANConfig(channels=8))
        opt_d = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.99))
        for real in data:
            fake = G(torch.randn(len(real), G.config.latent)).detach()
            loss = gan_training.discriminator_loss(D(real), D(fake)) + 5.0 * penalty(D, real, None)
            opt_d.zero_grad()
            loss.backward()
            opt_d.step()
        weights.append(torch.cat([p.detach().flatten() for p in D.parameters()]))
    return bool(torch.allclose(weights[0], weights[1], rtol=1e-3, atol=1e-5))
