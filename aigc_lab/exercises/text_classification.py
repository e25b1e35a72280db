"""Checks for the exercises of notebooks/02_text/02_classification.

Each check runs the learner's function on data made up here and compares it with
scikit-learn (precision_recall_fscore_support, TfidfVectorizer, LinearSVC), so the
notebook never holds the answer.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import runtime
from . import exercise


@exercise("02_text.02.a", kind="function",
          hint="Precision divides the diagonal by each *column* sum (everything predicted as c); recall by each *row* sum "
               "(everything that truly is c). Guard the divisions where a sum is 0.")
def _precision_recall_f1(answer) -> bool:
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    rng = np.random.default_rng(0)
    for classes, n in [(3, 60), (5, 200), (4, 15)]:
        y_true = rng.integers(0, classes, n)
        y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, classes, n))
        y_pred[y_pred == classes - 1] = 0          # one class is never predicted: its precision is 0/0
        cm = confusion_matrix(y_true, y_pred, labels=range(classes))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reference = precision_recall_fscore_support(y_true, y_pred, labels=range(classes), zero_division=0)[:3]
        mine = answer(cm.copy())
        if not isinstance(mine, (tuple, list)) or len(mine) != 3:
            return False
        if not all(np.allclose(np.asarray(m, dtype=float), r, atol=1e-9) for m, r in zip(mine, reference)):
            return False
    return True


@exercise("02_text.02.b", kind="function",
          hint="Both counts get 1 added (as if one extra document contained every word), then the log, then 1 is added "
               "so that a word in every document keeps a small weight.")
def _smooth_idf(answer) -> bool:
    from sklearn.feature_extraction.text import TfidfVectorizer

    documents = ["a b c", "a b", "a d d d", "e a", "b c f g", "a"]
    vec = TfidfVectorizer(analyzer=str.split).fit(documents)
    names = vec.get_feature_names_out()
    df = np.array([sum(w in d.split() for d in documents) for w in names])
    mine = np.asarray(answer(df.copy(), len(documents)), dtype=float)
    return mine.shape == vec.idf_.shape and np.allclose(mine, vec.idf_, atol=1e-9)


@exercise("02_text.02.c", kind="function",
          hint="For class c sort svm.coef_[c] in decreasing order (np.argsort(-w)) and take the first k feature names.")
def _top_words(answer) -> bool:
    from sklearn.svm import LinearSVC

    rng = np.random.default_rng(1)
    x = rng.random((60, 8))
    y = np.argmax(x[:, :3], axis=1)                 # three classes, set by features 0, 1, 2
    svm = LinearSVC().fit(x, y)
    names = np.array([f"w{i}" for i in range(8)])
    for k in (1, 3):
        mine = answer(svm, names, k)
        expected = [list(names[np.argsort(-w, kind="stable")[:k]]) for w in svm.coef_]
        if len(mine) != len(expected) or any(list(m) != e for m, e in zip(mine, expected)):
            return False
    return True


# --------------------------------------------------------------------------- d: a neural bag of words, trained
def _mean_of_real_words(model, ids):
    """What the classifier must compute: the head applied to the mean embedding of the non-padding words."""
    import torch

    mask = (ids != 0).float()[:, :, None]                                    # (B, T, 1)
    mean = (model.embedding(ids) * mask).sum(1) / mask.sum(1).clamp(min=1)   # (B, E)
    return model.head(mean)


@exercise("02_text.02.d", kind="function",
          hint="Section 4's TextCNN shows the pieces: the mask ids != 0 marks the real words. Sum the embeddings of the "
               "real words only and divide by how many there are in each sentence (not by the padded length T), then "
               "apply the head; loss(batch) is the cross-entropy of those logits against the labels.")
def _mean_embedding_classifier(answer) -> bool:
    import torch

    from .. import train
    from ..data.image import shuffled_batches
    from ..data.text import sentiment_sentences
    from ..text.bow import Vocabulary, encode_padded

    corpus = sentiment_sentences(600, 300, seed=1)
    vocab = Vocabulary.build([t.split() for t in corpus.texts("train")])
    ids_train = encode_padded([t.split() for t in corpus.texts("train")], vocab)
    ids_test = encode_padded([t.split() for t in corpus.texts("test")], vocab, max_len=ids_train.shape[1])
    y_train = torch.tensor(corpus.labels("train", target="topic"))
    y_test = torch.tensor(corpus.labels("test", target="topic"))
    classes = int(y_train.max()) + 1

    # 1. the forward pass: the mean over real words, whatever the padding
    torch.manual_seed(0)
    model = answer(len(vocab), classes, 16)
    with torch.no_grad():
        model.embedding.weight[1:].normal_()           # padding (id 0) stays zero
        got = model(ids_test[:20])
        if got is None:
            raise NotImplementedError
        if not torch.allclose(got, _mean_of_real_words(model, ids_test[:20]), atol=1e-5):
            return False
    loss = model.loss((ids_train[:8], y_train[:8]))
    if loss is None:
        raise NotImplementedError
    with torch.no_grad():
        expected = torch.nn.functional.cross_entropy(_mean_of_real_words(model, ids_train[:8]), y_train[:8])
    if not torch.allclose(loss.detach(), expected, atol=1e-5):
        return False

    # 2. trained briefly by the course's loop, it must beat the majority class by 20 points on the topics
    with runtime.threads(1):
        torch.manual_seed(0)
        model = answer(len(vocab), classes, 16)
        train.fit(model, shuffled_batches(ids_train, y_train, 64), steps=150, lr=1e-2, device="cpu", progress=False)
    with torch.no_grad():
        accuracy = (model(ids_test).argmax(1) == y_test).float().mean().item()
    majority = (y_test == y_train.bincount().argmax()).float().mean().item()
    return accuracy >= majority + 0.20
