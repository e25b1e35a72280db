"""Checks for the exercises of notebooks/06_explainability/03_audio.

Each check compares the learner's function with the package's own
(``data.explain.EvidenceClips.frame_evidence``, ``explain.audio.background_level``)
on spans and spectrograms made up here.  Exercise c (sliding-window occlusion over time) is compared
with a reference written here, on a small randomly initialised KeywordCNN.
"""
from __future__ import annotations

import torch

from . import exercise


@exercise("06_explainability.03.a", kind="function",
          hint="The frame centres are torch.arange(n_frames) * hop; a frame is evidence when its centre is >= start "
               "and < end (the end of a span is one past its last sample).")
def _frame_evidence(answer) -> bool:
    from ..data.explain import EvidenceClips

    generator = torch.Generator().manual_seed(0)
    for trial in range(30):
        hop, n_frames = int(torch.randint(80, 400, (1,), generator=generator)), int(torch.randint(10, 90, (1,), generator=generator))
        start = int(torch.randint(0, hop * n_frames, (1,), generator=generator))
        end = start + int(torch.randint(1, hop * 20, (1,), generator=generator))
        if trial == 0:                                   # a span that starts and ends exactly on frame centres
            start, end = 3 * hop, 7 * hop
        clips = EvidenceClips(torch.zeros(1, 1), torch.zeros(1, dtype=torch.long), torch.tensor([[start, end]]),
                              torch.zeros(1, 2, dtype=torch.long), [""], [""], 16000, ("x",))
        expected = clips.frame_evidence(hop, n_frames, 1)[0, 0]
        mine = torch.as_tensor(answer((start, end), hop, n_frames)).reshape(-1).bool()
        if mine.shape != expected.shape or not torch.equal(mine, expected):
            return False
    return True


@exercise("06_explainability.03.b", kind="function",
          hint="torch.quantile(log_mel, q, dim=-1, keepdim=True) gives one value per band, shape (F, 1); "
               ".expand_as(log_mel) repeats it over the frames.")
def _band_background(answer) -> bool:
    generator = torch.Generator().manual_seed(1)
    for q in (0.1, 0.5, 0.25):
        log_mel = torch.randn(12, 30, generator=generator) * 3 - 5
        expected = torch.quantile(log_mel, q, dim=-1, keepdim=True).expand_as(log_mel)
        mine = torch.as_tensor(answer(log_mel.clone(), q)).float()
        if mine.shape != expected.shape or not torch.allclose(mine, expected, atol=1e-5):
            return False
    return True


def _time_occlusion_reference(probabilities, log_mel, target, window, stride):
    """Each frame's mean drop in p(target) over the sliding windows (every band covered) that include it."""
    background = torch.quantile(log_mel, 0.1, dim=-1, keepdim=True).expand_as(log_mel)
    n_frames = log_mel.shape[-1]
    starts = list(range(0, n_frames - window + 1, stride))
    covered = log_mel.repeat(len(starts), 1, 1)                              # (W, F, T)
    for row, s in enumerate(starts):
        covered[row, :, s:s + window] = background[:, s:s + window]
    reference = probabilities(log_mel[None])[0, target]
    drops = reference - probabilities(covered)[:, target]                    # (W,)
    total, count = torch.zeros(n_frames), torch.zeros(n_frames)
    for row, s in enumerate(starts):
        total[s:s + window] += drops[row]
        count[s:s + window] += 1
    return total / count.clamp(min=1)


@exercise("06_explainability.03.c", kind="function",
          hint="Compute the background once (torch.quantile over the last dimension, keepdim=True); for each start s "
               "copy the spectrogram, put the background into frames s:s + window, and record p(x) - p(copy); then add "
               "each drop to the frames its window covers and divide by how many windows covered each frame. The "
               "occlusion section of the notebook covers one patch at a time the same way.")
def _time_occlusion(answer) -> bool:
    from ..speech.keyword_cnn import KeywordCNN, KeywordCNNConfig

    torch.manual_seed(0)
    model = KeywordCNN(KeywordCNNConfig(n_mels=16, classes=4, channels=(8, 8))).eval()

    def probabilities(log_mel):
        with torch.no_grad():
            return torch.softmax(model(log_mel), dim=1)

    generator = torch.Generator().manual_seed(4)
    for n_frames, window, stride, target in ((24, 4, 2, 0), (30, 6, 3, 2), (17, 5, 4, 1)):
        log_mel = torch.randn(16, n_frames, generator=generator) * 3 - 4
        expected = _time_occlusion_reference(probabilities, log_mel, target, window, stride)
        mine = torch.as_tensor(answer(probabilities, log_mel.clone(), target, window, stride)).float().reshape(-1)
        if mine.shape != expected.shape or not torch.allclose(mine, expected, atol=1e-5):
            return False
    return True
