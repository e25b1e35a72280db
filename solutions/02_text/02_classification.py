"""Worked solutions for the exercises of notebooks/02_text/02_classification.

For each exercise letter x, ``exercise_x()`` returns what the learner passes to
``check("02_text.02.x", ...)`` and ``wrong_x()`` returns a plausible mistake that the
check must reject.
"""
from __future__ import annotations

import numpy as np


def exercise_a():
    """Per-class precision, recall and F1 from a confusion matrix.

    The diagonal holds the true positives. Column c sums everything *predicted* as c
    (TP + FP), so precision = diag / column sums; row c sums everything that *is* c
    (TP + FN), so recall = diag / row sums. F1 is their harmonic mean. Where a sum is 0
    the ratio is defined as 0, as scikit-learn does with ``zero_division=0``.
    """
    def precision_recall_f1(cm):
        cm = np.asarray(cm, dtype=float)
        tp = np.diag(cm)
        predicted, actual = cm.sum(axis=0), cm.sum(axis=1)
        precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
        recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
        total = precision + recall
        f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(tp), where=total > 0)
        return precision, recall, f1

    return precision_recall_f1


def wrong_a():
    """Swaps rows and columns: divides by row sums for precision and column sums for recall."""
    def precision_recall_f1(cm):
        cm = np.asarray(cm, dtype=float)
        tp = np.diag(cm)
        precision = tp / np.maximum(cm.sum(axis=1), 1)
        recall = tp / np.maximum(cm.sum(axis=0), 1)
        f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
        return precision, recall, f1

    return precision_recall_f1


def exercise_b():
    """scikit-learn's smooth idf: ln((1 + n) / (1 + df)) + 1.

    Adding 1 to both counts acts as if one extra document contained every word, so no
    division by zero can happen; the final + 1 keeps words that occur in every document
    from being ignored entirely.
    """
    def smooth_idf(df, n):
        return np.log((1 + n) / (1 + np.asarray(df, dtype=float))) + 1

    return smooth_idf


def wrong_b():
    """The textbook idf without smoothing, ln(n / df): right in spirit, not what scikit-learn computes."""
    def smooth_idf(df, n):
        return np.log(n / np.asarray(df, dtype=float))

    return smooth_idf


def exercise_c():
    """The k largest weights of each class's row of ``svm.coef_``.

    ``np.argsort(-w)`` orders the feature indices from the largest weight down; the
    first k of them, looked up in ``feature_names``, are the words that push a
    sentence most strongly towards that class.
    """
    def top_words(svm, feature_names, k):
        names = np.asarray(feature_names)
        return [list(names[np.argsort(-w, kind="stable")[:k]]) for w in svm.coef_]

    return top_words


def wrong_c():
    """Takes the largest *absolute* weights, which mixes in words that count against the class."""
    def top_words(svm, feature_names, k):
        names = np.asarray(feature_names)
        return [list(names[np.argsort(-np.abs(w), kind="stable")[:k]]) for w in svm.coef_]

    return top_words


def _mean_embedding_classifier(divide_by_real_words: bool):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class MeanEmbeddingClassifier(nn.Module):
        def __init__(self, vocab_size, classes, embed):
            super().__init__()
            self.embedding = nn.Embedding(vocab_size, embed, padding_idx=0)
            self.head = nn.Linear(embed, classes)

        def forward(self, ids):                                          # (B, T)
            mask = (ids != 0).float()[:, :, None]                        # (B, T, 1) real words
            total = (self.embedding(ids) * mask).sum(dim=1)              # (B, E)
            count = mask.sum(dim=1).clamp(min=1) if divide_by_real_words else ids.shape[1]
            return self.head(total / count)                              # (B, classes)

        def loss(self, batch):
            ids, labels = batch
            return F.cross_entropy(self(ids), labels)

    return MeanEmbeddingClassifier


def exercise_d():
    """A neural bag of words (fastText, Joulin et al. 2017): the mean of the word embeddings, then a linear layer.

    The mask ``ids != 0`` keeps the padding out: sum the embeddings of the real words and divide by
    their number in each sentence (clamped at 1 for an empty row). Order is lost, so this model is a
    learned bag of words: strong on topics, blind to "not good". ``loss`` is the cross-entropy that
    ``fit`` lowers.
    """
    return _mean_embedding_classifier(divide_by_real_words=True)


def wrong_d():
    """Divides by the padded length T instead of each sentence's number of words, so short sentences shrink."""
    return _mean_embedding_classifier(divide_by_real_words=False)
