"""The audio explanations of notebook 6.3: evidence spans, patches, LIME over groups, removal in the waveform."""
from __future__ import annotations

import pytest
import torch

from aigc_lab.data.explain import EvidenceClips, spoken_evidence
from aigc_lab.explain import audio, wrappers


def _clips(spans) -> EvidenceClips:
    n = len(spans)
    return EvidenceClips(torch.zeros(n, 1000), torch.zeros(n, dtype=torch.long), torch.tensor(spans),
                         torch.zeros(n, 2, dtype=torch.long), [""] * n, [""] * n, 16000, ("x",))


def test_frame_evidence_on_a_hand_worked_span():
    # hop 100: frame centres 0, 100, 200, ...; the span [150, 400) holds the centres 200 and 300
    mask = _clips([(150, 400)]).frame_evidence(100, 6, n_mels=2)
    assert mask.shape == (1, 2, 6)
    assert mask[0, 0].tolist() == [False, False, True, True, False, False]
    assert torch.equal(mask[0, 0], mask[0, 1])                  # every band of an evidence frame


def test_patches_tile_the_spectrogram_in_bands_by_frames():
    groups = audio.patches(16, 10, bands=8, frames=4)
    assert groups.shape == (16, 10)
    assert groups[0, 0] == groups[7, 3] and groups[0, 0] != groups[8, 0] and groups[0, 3] != groups[0, 4]
    assert int(groups.max()) + 1 == 2 * 3                      # 2 band groups x 3 frame groups (4 + 4 + 2)


def test_background_level_is_each_bands_quiet_level():
    log_mel = torch.arange(20.0).reshape(2, 10)
    level = audio.background_level(log_mel)
    assert level.shape == log_mel.shape
    assert torch.allclose(level[:, 0], torch.quantile(log_mel, 0.1, dim=-1))
    assert torch.equal(level[:, 0], level[:, -1])


def test_remove_frames_turns_down_only_those_frames():
    wave = torch.ones(10 * audio.HOP)
    out = audio.remove_frames(wave, torch.tensor([3]), attenuation_db=40.0)
    start, end = 3 * audio.HOP - audio.HOP // 2, 3 * audio.HOP + audio.HOP // 2
    assert torch.allclose(out[start:end], torch.full((end - start,), 0.01))
    assert torch.equal(out[:start], wave[:start]) and torch.equal(out[end:], wave[end:])


def test_lime_groups_ranks_the_groups_a_linear_model_uses():
    # the "model": a logistic output driven by group 2 strongly and group 0 weakly; groups 1 and 3 do nothing
    groups = torch.tensor([[0, 0, 1, 1], [2, 2, 3, 3]])
    x, baseline = torch.ones(2, 4), torch.zeros(2, 4)

    def predict(batch):
        logit = 4 * batch[:, 1, :2].mean(1) + 1 * batch[:, 0, :2].mean(1) - 2.5
        p = torch.sigmoid(logit)
        return torch.stack([1 - p, p], dim=1)

    weights = wrappers.lime_groups(predict, x, groups, baseline, target=1, samples=300, seed=0)
    assert weights.shape == x.shape
    per_group = [float(weights[groups == g][0]) for g in range(4)]
    assert per_group[2] > per_group[0] > max(abs(per_group[1]), abs(per_group[3]))


def test_explainers_return_spectrogram_shaped_maps():
    from aigc_lab.speech.keyword_cnn import KeywordCNN, KeywordCNNConfig

    torch.manual_seed(0)
    model = KeywordCNN(KeywordCNNConfig(n_mels=40, classes=10, channels=(4, 8, 8))).eval()
    x = torch.randn(40, 24)
    methods = audio.audio_explainers(model, background=torch.randn(4, 40, 24), ig_steps=4, lime_samples=20,
                                     shap_samples=4)
    for name in ("saliency", "gradient x input", "integrated gradients", "occlusion", "LIME"):
        assert methods[name](x, 3, 0).shape == (40, 24), name


def test_spoken_evidence_clips_hold_two_words_apart():
    data = spoken_evidence(train_speakers=12, test_speakers=4, partners=1)
    assert len(data.test) == 4 * 10 and set(data.train.voices).isdisjoint(data.test.voices)
    spans, digits = data.train.spans, data.train.distractor_spans
    assert bool(((spans[:, 1] <= digits[:, 0]) | (digits[:, 1] <= spans[:, 0])).all()), "the words overlap"
    assert bool((spans[:, 1] > spans[:, 0]).all()) and int(spans.max()) <= data.train.waves.shape[1]
    assert data.train.classes[int(data.train.labels[0])] in data.train.texts[0].split()
    with pytest.raises(ValueError, match="partners"):
        spoken_evidence(train_speakers=12, test_speakers=4, partners=0)
