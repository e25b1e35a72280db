"""Explaining the sentiment classifier: model, explainers and cases, shared by notebook 6.1 and the benchmark.

The model is a TextCNN (``aigc_lab.text.text_cnn``) trained on review sentences whose
evidence is known (``aigc_lab.data.explain.evidence_sentences``).  Every explainer
has the signature ``explain(ids, target, seed) -> (T,) attribution`` for one
sentence's word ids (T,), so ``explain.evaluate`` can score them all alike:

    settings = text_settings()
    task = train_sentiment_classifier(evidence_sentences(settings["n_train"], settings["n_test"]), steps=...)
    methods = text_explainers(task.model, task.vocab, **settings["methods"])
    cases = text_cases(task, settings["n_explained"])

Gradient methods differentiate the class's *logit* with respect to the word
embeddings (a word id has no gradient); perturbation methods (leave-one-out, LIME,
SHAP) read the class's *probability*, as those libraries expect.  A removed word
becomes padding (id 0), which the TextCNN ignores completely.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .. import runtime, train
from ..data.explain import evidence_mask, with_shortcut
from ..data.image import shuffled_batches
from ..data.text import SentimentCorpus
from ..text.bow import PAD, Vocabulary, encode_padded
from ..text.text_cnn import TextCNN, TextCNNConfig
from . import attributions, wrappers
from .evaluate import Case, Explainer

METHODS = ("saliency", "gradient x input", "integrated gradients", "leave one out", "LIME", "SHAP")


def text_settings() -> dict:
    """Per-profile sizes shared by the notebook and the benchmark."""
    return {
        "n_train": runtime.pick(smoke=1500, cpu=3000, gpu=4000),
        "n_test": runtime.pick(smoke=200, cpu=500, gpu=1000),
        "steps": runtime.pick(smoke=400, cpu=600, gpu=1000),
        "n_explained": runtime.pick(smoke=12, cpu=60, gpu=60),       # sentences scored by every method
        "variance_cases": runtime.pick(smoke=2, cpu=10, gpu=10),     # sentences re-explained with two more seeds
        "methods": {"ig_steps": runtime.pick(smoke=16, cpu=32, gpu=64),
                    "lime_samples": runtime.pick(smoke=200, cpu=500, gpu=500),
                    "shap_evals": runtime.pick(smoke=100, cpu=300, gpu=300)},
    }


@dataclass
class SentimentTask:
    corpus: SentimentCorpus
    vocab: Vocabulary
    model: TextCNN
    history: train.History
    test_accuracy: float
    majority_accuracy: float


def train_sentiment_classifier(corpus: SentimentCorpus, *, steps: int, seed: int = 0, kernel_sizes=(1, 2),
                               device=None, progress: bool = False) -> SentimentTask:
    """A TextCNN with word filters of width 1 and 2 (enough for "not good"), trained by ``train.fit``.

    The vocabulary is built from the training sentences, so the shortcut token is in it
    although it never occurs at test time.  The model is returned on the CPU in eval mode.
    """
    vocab = Vocabulary.build([s.tokens for s in corpus.train])
    ids_train = encode_padded([s.tokens for s in corpus.train], vocab)
    y_train, y_test = torch.tensor(corpus.labels("train")), torch.tensor(corpus.labels("test"))
    runtime.seed_everything(seed)
    model = TextCNN(TextCNNConfig(vocab_size=len(vocab), classes=2, kernel_sizes=tuple(kernel_sizes)))
    runtime.set_threads(params=runtime.count_params(model))
    history = train.fit(model, shuffled_batches(ids_train, y_train, 64, seed=seed), steps=steps, lr=1e-2,
                        warmup=steps // 10, device=device, progress=progress)
    model.cpu().eval()
    predictions = model.predict(encode_padded([s.tokens for s in corpus.test], vocab))
    majority = float((y_test == torch.bincount(y_train).argmax()).float().mean())
    return SentimentTask(corpus, vocab, model, history, float((predictions == y_test).float().mean()), majority)


def sentence_ids(tokens, vocab: Vocabulary) -> torch.Tensor:
    """(T,) word ids of one sentence, no padding."""
    return torch.tensor(vocab.encode(tokens), dtype=torch.long)


def probabilities(model: TextCNN):
    """(B, T) ids -> (B, 2) class probabilities."""
    return lambda ids: model.predict_proba(ids)


def predict_texts(model: TextCNN, vocab: Vocabulary):
    """Texts -> (N, 2) NumPy probabilities, what LIME and SHAP call.  Their masked words arrive as "<pad>" (id 0)."""
    def predict(texts: list[str]) -> np.ndarray:
        return model.predict_proba(encode_padded([t.split(" ") for t in texts], vocab)).numpy()
    return predict


def text_cases(task: SentimentTask, n: int, *, sentences=None) -> list[Case]:
    """The first ``n`` test sentences (or the given ones) as cases; each explains the model's predicted class."""
    sentences = task.corpus.test[:n] if sentences is None else sentences[:n]
    cases = []
    for s in sentences:
        ids = sentence_ids(s.tokens, task.vocab)
        target = int(task.model.predict(ids[None])[0])
        cases.append(Case(ids, target, evidence_mask(s)))
    return cases


def shortcut_cases(task: SentimentTask, n: int) -> tuple[list[Case], float]:
    """Negative test sentences that the shortcut token, put in front, turns positive; and how often that happens.

    For these the word that decided the prediction is known for certain: the token at
    position 0.  Each case explains the (now positive) prediction, its evidence is that
    token alone.  Returns at most ``n`` cases and the fraction of negative sentences flipped.
    """
    probed = [with_shortcut(s, task.corpus.shortcut_token) for s in task.corpus.test if s.label == 0]
    if not probed:
        return [], 0.0
    predicted = task.model.predict(encode_padded([s.tokens for s in probed], task.vocab))
    flipped = [s for s, p in zip(probed, predicted.tolist()) if p == 1]
    cases = [Case(c.x, c.target, torch.arange(len(c.x)) == 0) for c in text_cases(task, n, sentences=flipped)]
    return cases, len(flipped) / len(probed)


def text_explainers(model: TextCNN, vocab: Vocabulary, *, ig_steps: int = 32, lime_samples: int = 500,
                    shap_evals: int = 300) -> dict[str, Explainer]:
    """Every method as ``explain(ids (T,), target, seed) -> (T,) attribution`` for ``model``."""
    predict = predict_texts(model, vocab)

    def on_embeddings(method):
        def explain(ids: torch.Tensor, target: int, seed: int) -> torch.Tensor:
            forward = attributions.embedding_forward(model, ids[None])
            embeddings = model.embedding(ids[None]).detach()                      # (1, T, E)
            return method(forward, embeddings, target)[0]
        return explain

    def saliency(forward, embeddings, target):
        return attributions.token_saliency(attributions.gradients(forward, embeddings, target))

    def gradient_x_input(forward, embeddings, target):
        return attributions.token_attribution(attributions.gradient_x_input(forward, embeddings, target))

    def integrated(forward, embeddings, target):
        return attributions.token_attribution(
            attributions.integrated_gradients(forward, embeddings, target, steps=ig_steps))

    def leave_one_out(ids: torch.Tensor, target: int, seed: int) -> torch.Tensor:
        return attributions.feature_ablation(probabilities(model), ids[None], target, torch.arange(len(ids)),
                                             torch.zeros_like(ids))[0]

    def lime(ids: torch.Tensor, target: int, seed: int) -> torch.Tensor:
        tokens = [vocab.words[i] for i in ids.tolist()]
        return wrappers.lime_text(predict, tokens, target=target, samples=lime_samples, seed=seed, mask_token=PAD)

    def shap(ids: torch.Tensor, target: int, seed: int) -> torch.Tensor:
        tokens = [vocab.words[i] for i in ids.tolist()]
        return wrappers.shap_text(predict, tokens, target=target, max_evals=shap_evals, mask_token=PAD)

    return dict(zip(METHODS, (on_embeddings(saliency), on_embeddings(gradient_x_input), on_embeddings(integrated),
                              leave_one_out, lime, shap)))
