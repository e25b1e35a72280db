"""Tests for aigc_lab/privacy.py."""
import pytest
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


@pytest.mark.parametrize("phone", ["+44 20 7946 0958", "(555) 123-4567", "555-123-4567", "555.123.4567",
                                   "+1 (555) 123-4567", "+86 138 0013 8000", "13800138000", "01.23.45.67.89",
                                   "+49 30 1234567", "020 7946 0958", "+33 1 23 45 67 89"])
def test_masking_finds_phone_numbers_in_several_formats(phone):
    assert privacy.mask_personal_data(f"Call {phone} today.") == "Call [PHONE] today."


@pytest.mark.parametrize("text", ["Booked on 2024-03-15, paid 15.03.2024.", "Due 2024/03/15 or 15-03-2024.",
                                  "It cost 1,234.56 or $12,000 in all.", "Budget: $1200000, or 1234567.89 euros.",
                                  "Total 12,345,678.90 and €2500000.", "The server is at 192.168.1.20, port 8080.",
                                  "Gateway 10.0.0.1 and 255.255.255.0."])
def test_masking_leaves_dates_amounts_and_ip_addresses_alone(text):
    assert privacy.mask_personal_data(text) == text


def test_masking_a_phone_beside_a_date_and_an_amount():
    text = "On 2024-03-15 we paid $12,000; call 555-123-4567 from 192.168.1.20."
    assert privacy.mask_personal_data(text) == "On 2024-03-15 we paid $12,000; call [PHONE] from 192.168.1.20."


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


def test_fedavg_rounds_integer_buffers_to_the_nearest_integer():
    """Integer buffers (BatchNorm's num_batches_tracked) take the weighted mean rounded to the nearest integer
    (halves to even), not truncated: clients that all hold 7 must give 7, not 6.9999... cast down to 6."""
    for weights in ([1, 1, 1], [0.3, 0.7, 1.0], [1, 2, 4]):
        for value in (6, 7, 10, 100):
            states = [{"n": torch.tensor(value)} for _ in weights]
            avg = privacy.fedavg(states, weights)["n"]
            assert avg.dtype == torch.int64 and int(avg) == value
    states = [{"n": torch.tensor(3)}, {"n": torch.tensor(4)}]
    assert int(privacy.fedavg(states, [1, 3])["n"]) == 4                  # 3.75 -> 4
    assert int(privacy.fedavg(states, [3, 1])["n"]) == 3                  # 3.25 -> 3
    assert int(privacy.fedavg(states, [1, 1])["n"]) == 4                  # 3.5 -> 4 (half to even)


def test_fedavg_of_batchnorm_models():
    torch.manual_seed(0)
    clients = []
    for batches in (6, 7, 8):
        model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
        for _ in range(batches):
            model(torch.randn(8, 3))
        clients.append(model.state_dict())
    avg = privacy.fedavg(clients, [1, 1, 1])
    assert int(avg["1.num_batches_tracked"]) == 7
    expected = (clients[0]["1.running_mean"] + clients[1]["1.running_mean"] + clients[2]["1.running_mean"]) / 3
    assert torch.allclose(avg["1.running_mean"], expected)
    torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4)).load_state_dict(avg)


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
