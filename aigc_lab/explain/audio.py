"""Explaining the spoken-command classifier: the model, its explainers and the cases, shared by notebook 6.3
and the benchmark.

The model is the speech chapter's ``KeywordCNN`` trained on two-word clips (a command
and a digit, ``aigc_lab.data.explain.spoken_evidence``) to name the command.  It reads
a log-mel spectrogram (40 bands, one frame every 20 ms), and so do the explanations:
every explainer has the signature ``explain(log_mel (F, T), target, seed) -> (F, T)
attribution``, and the evidence is every band of the frames inside the command's span.

    settings = audio_settings()
    task = train_command_classifier(spoken_evidence(...), steps=settings["steps"])
    methods = audio_explainers(task.model, background=task.train_features[:32], **settings["methods"])

"Removing" part of a spectrogram means putting the clip's background back: each mel
band's quiet level (its 10th percentile over time, the noise between words),
``background_level``.  Gradient x input and integrated gradients start from it too,
and the deletion and insertion curves use it, so every method is asked the same
question: which parts, replaced by background noise, change the answer?
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .. import metrics, runtime, train
from ..data.explain import EvidenceClips, SpokenEvidence
from ..speech.features import log_mel_spectrogram
from ..speech.keyword_cnn import KeywordCNN, KeywordCNNConfig, augmented_batches
from . import attributions, wrappers
from .evaluate import Case, Explainer

METHODS = ("saliency", "gradient x input", "integrated gradients", "occlusion", "LIME", "SHAP")
N_FFT, HOP, N_MELS = 512, 320, 40          # 32 ms windows every 20 ms at 16 kHz, 40 mel bands


def audio_settings() -> dict:
    """Per-profile sizes shared by the notebook and the benchmark."""
    return {
        # speakers of the speech chapter's keyword corpus (the same cache as notebook 4.1 at these sizes)
        "train_speakers": runtime.pick(smoke=12, cpu=96, gpu=96),
        "test_speakers": runtime.pick(smoke=4, cpu=16, gpu=16),
        "partners": runtime.pick(smoke=3, cpu=2, gpu=5),               # digits paired with each command
        "steps": runtime.pick(smoke=120, cpu=600, gpu=2000),
        "lr": runtime.pick(smoke=1e-2, cpu=3e-3, gpu=3e-3),           # smoke: few steps, so larger ones
        "n_explained": runtime.pick(smoke=6, cpu=40, gpu=60),
        "variance_cases": runtime.pick(smoke=2, cpu=6, gpu=8),
        "curve_steps": 32,                                               # points on each deletion / insertion curve
        "methods": {"ig_steps": runtime.pick(smoke=16, cpu=32, gpu=64),
                    "lime_samples": runtime.pick(smoke=100, cpu=300, gpu=400),
                    "shap_samples": runtime.pick(smoke=32, cpu=100, gpu=100)},
    }


def features(waves: torch.Tensor, sample_rate: int) -> torch.Tensor:
    """(N, samples) -> (N, 40, frames) log-mel spectrograms, what the model reads."""
    return log_mel_spectrogram(waves, sample_rate, N_FFT, HOP, N_MELS)


def evidence_of(clips: EvidenceClips, log_mel: torch.Tensor) -> torch.Tensor:
    """(N, F, T) bool: every band of the frames inside each clip's command."""
    return clips.frame_evidence(HOP, log_mel.shape[-1], log_mel.shape[-2])


def background_level(log_mel: torch.Tensor) -> torch.Tensor:
    """(..., F, T) -> the same shape, every frame replaced by its band's 10th percentile over time: the clip with
    its words taken out and its background noise left."""
    return torch.quantile(log_mel, 0.1, dim=-1, keepdim=True).expand_as(log_mel).clone()


@dataclass
class CommandTask:
    data: SpokenEvidence
    train_features: torch.Tensor     # (N, F, T)
    test_features: torch.Tensor
    model: KeywordCNN
    history: train.History
    test_accuracy: float
    majority_accuracy: float


def train_command_classifier(data: SpokenEvidence, *, steps: int, lr: float = 3e-3, batch: int = 64, seed: int = 0,
                             device=None, progress: bool = False) -> CommandTask:
    """A ``KeywordCNN`` naming the command of each training clip, with SpecAugment batches (the speech chapter's
    recipe), scored on the test clips' unseen voices.  Returned on the CPU in eval mode."""
    x_train = features(data.train.waves, data.train.sample_rate)
    x_test = features(data.test.waves, data.test.sample_rate)
    runtime.seed_everything(seed)
    model = KeywordCNN(KeywordCNNConfig(n_mels=N_MELS, classes=len(data.train.classes)))
    runtime.set_threads(params=runtime.count_params(model))
    history = train.fit(model, augmented_batches(x_train, data.train.labels, batch, seed=seed), steps=steps, lr=lr,
                        warmup=steps // 10, weight_decay=0.01, device=device, progress=progress)
    model = model.cpu().eval()
    return CommandTask(data, x_train, x_test, model, history, metrics.accuracy(model, x_test, data.test.labels),
                       metrics.majority_baseline(data.train.labels, data.test.labels))


def probabilities(model: torch.nn.Module):
    """(B, F, T) log-mel -> (B, classes) probabilities."""
    def predict(log_mel: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return torch.softmax(model(log_mel), dim=1)
    return predict


def audio_cases(task: CommandTask, n: int) -> list[Case]:
    """The first ``n`` test clips as cases; each explains the model's predicted class."""
    x = task.test_features[:n]
    with torch.no_grad():
        predicted = task.model.predict(x)
    evidence = evidence_of(task.data.test, task.test_features)[:n]
    return [Case(x[i], int(predicted[i]), evidence[i]) for i in range(len(x))]


def patches(n_mels: int, n_frames: int, *, bands: int = 8, frames: int = 4) -> torch.Tensor:
    """(F, T) int64 group ids: a grid of ``bands`` x ``frames`` time-frequency patches, what occlusion and LIME
    switch off (LIME's "superpixels" for a spectrogram)."""
    rows = torch.arange(n_mels) // bands
    cols = torch.arange(n_frames) // frames
    return rows[:, None] * (int(cols.max()) + 1) + cols[None, :]


def audio_explainers(model: torch.nn.Module, *, background: torch.Tensor, ig_steps: int = 32, lime_samples: int = 400,
                     shap_samples: int = 100) -> dict[str, Explainer]:
    """Every method as ``explain(log_mel (F, T), target, seed) -> (F, T) attribution`` for ``model``.

    ``background`` (N, F, T): real training spectrograms, SHAP's expected-gradient baselines.
    """
    predict = probabilities(model)

    def saliency(x, target, seed):
        return attributions.saliency(model, x[None], target)[0]

    def gradient_x_input(x, target, seed):
        return attributions.gradient_x_input(model, x[None], target, baseline=background_level(x)[None])[0]

    def integrated(x, target, seed):
        return attributions.integrated_gradients(model, x[None], target, baseline=background_level(x)[None],
                                                 steps=ig_steps)[0]

    def occlusion(x, target, seed):
        return attributions.feature_ablation(predict, x[None], target, patches(*x.shape), background_level(x))[0]

    def lime(x, target, seed):
        return wrappers.lime_groups(predict, x, patches(*x.shape), background_level(x), target=target,
                                    samples=lime_samples, seed=seed)

    def shap(x, target, seed):
        return wrappers.shap_gradient(model, x[None], background, target=target, samples=shap_samples, seed=seed)[0]

    return dict(zip(METHODS, (saliency, gradient_x_input, integrated, occlusion, lime, shap)))


def frame_importance(attribution: torch.Tensor) -> torch.Tensor:
    """(F, T) -> (T,): how much each frame matters, the sum of its bands' absolute attributions."""
    return attribution.abs().sum(dim=0)


def remove_frames(wave: torch.Tensor, frames: torch.Tensor, *, attenuation_db: float = 40.0) -> torch.Tensor:
    """The waveform with the samples around the given frames (each one hop either side of its centre, frame f at
    sample f * HOP) turned down by ``attenuation_db``: what "take that part away" sounds like."""
    out, gain = wave.clone(), 10 ** (-attenuation_db / 20)
    for f in frames.tolist():
        start, end = max(0, f * HOP - HOP // 2), min(len(wave), f * HOP + HOP // 2)
        out[start:end] *= gain
    return out


def top_frames(attribution: torch.Tensor, k: int) -> torch.Tensor:
    """The ``k`` frames with the largest ``frame_importance``."""
    return frame_importance(attribution).topk(k).indices


def random_frames(n_frames: int, k: int, seed: int = 0) -> torch.Tensor:
    return torch.randperm(n_frames, generator=torch.Generator().manual_seed(seed))[:k]


def probability_after_removal(model: torch.nn.Module, wave: torch.Tensor, sample_rate: int, frames: torch.Tensor,
                              target: int) -> float:
    """The model's probability of ``target`` for the clip with ``frames`` removed from the *waveform* and the
    spectrogram computed afresh: a deletion test in the audio itself, not in the model's input."""
    edited = remove_frames(wave, frames)
    return float(probabilities(model)(features(edited[None], sample_rate))[0, target])


def removal_check(task: CommandTask, maps: list[torch.Tensor], cases: list[Case], *, seed: int = 0) -> dict:
    """Mean probability of the explained class over the cases, for the clip as it is, with its top-attributed
    frames removed (as many frames as the command has) and with as many random frames removed."""
    sums = np.zeros(3)
    for i, (attribution, case) in enumerate(zip(maps, cases)):
        wave, k = task.data.test.waves[i], max(1, int(case.evidence[0].sum()))
        rate, nothing = task.data.test.sample_rate, torch.tensor([], dtype=torch.long)
        sums += [probability_after_removal(task.model, wave, rate, frames, case.target)
                 for frames in (nothing, top_frames(attribution, k), random_frames(attribution.shape[-1], k, seed + i))]
    original, top, random = sums / len(cases)
    return {"original": float(original), "top_removed": float(top), "random_removed": float(random)}
