"""Tests for aigc_lab/privacy.py."""
import torch
from sklearn.metrics import roc_auc_score

from aigc_lab import privacy


def test_masking_removes_emails_and_phones():
    text = "Write to ana.lopez@example.com or call +44 20 7946 0958, or (555) 123-4567. Room 12, year 2024."
    masked = privacy.mask_personal_data(text)
    assert masked == "Write to [EMAIL] or call [PHONE], or [PHONE]. Room 12, year 2024."


def test_masking_leaves_plain_text_alone():
    text = "The model has 128 hidden units and scored 97.5% on 450 digits."
    assert privacy.mask_personal_data(text) == text


def test_auc_by_hand():
    # members 0.1, 0.4; non-members 0.2, 0.4: pairs (0.1<0.2) (0.1<0.4) (0.4>0.2) (0.4=0.4 tie) -> 2.5 / 4
    assert privacy.membership_inference_auc([0.1, 0.4], [0.2, 0.4]) == 0.625


def test_auc_matches_sklearn():
    g = torch.Generator().manual_seed(0)
    members, others = torch.rand(50, generator=g), torch.rand(70, generator=g) + 0.2
    labels = [1] * 50 + [0] * 70
    reference = roc_auc_score(labels, -torch.cat([members, others]).numpy())
    assert abs(privacy.membership_inference_auc(members, others) - reference) < 1e-12


def test_fedavg_by_hand():
    a = {"w": torch.tensor([0.0, 4.0]), "b": torch.tensor(1.0)}
    b = {"w": torch.tensor([4.0, 0.0]), "b": torch.tensor(5.0)}
    avg = privacy.fedavg([a, b], [1, 3])
    assert torch.allclose(avg["w"], torch.tensor([3.0, 1.0]))
    assert torch.allclose(avg["b"], torch.tensor(4.0))


def test_dp_step_without_noise_clips_each_example():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    x, y = torch.randn(6, 5) * 10, torch.randint(3, (6,))
    clip = 0.1
    # per-example gradients by a plain loop, clipped by hand
    expected = {k: torch.zeros_like(p) for k, p in model.named_parameters()}
    for xi, yi in zip(x, y):
        model.zero_grad()
        torch.nn.functional.cross_entropy(model(xi[None]), yi[None]).backward()
        norm = torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()))
        assert norm > clip                        # the bound really bites
        for k, p in model.named_parameters():
            expected[k] += p.grad * min(1.0, clip / float(norm)) / len(x)
    grads = privacy.clip_per_sample(privacy.per_sample_gradients(model, x, y), clip)
    norms = torch.cat([g.flatten(1) for g in grads.values()], 1).norm(dim=1)
    assert torch.allclose(norms, torch.full_like(norms, clip), atol=1e-5)
    before = {k: p.detach().clone() for k, p in model.named_parameters()}
    privacy.dp_sgd_step(model, x, y, clip=clip, noise_multiplier=0.0, lr=1.0)
    for k, p in model.named_parameters():
        assert torch.allclose(before[k] - p.detach(), expected[k], atol=1e-6)
