"""aigc_lab.metrics' precision, recall, F1, confusion matrix and calibration: by hand and against scikit-learn."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.calibration import calibration_curve
from sklearn.metrics import confusion_matrix as sk_confusion_matrix
from sklearn.metrics import precision_recall_fscore_support

from aigc_lab import metrics

# A hand-worked case: 3 classes, 8 examples.
Y_TRUE = [0, 0, 0, 1, 1, 1, 2, 2]
Y_PRED = [0, 0, 1, 1, 1, 0, 2, 1]
#           predicted 0  1  2
# true 0              2  1  0
# true 1              1  2  0
# true 2              0  1  1
HAND_CM = [[2, 1, 0], [1, 2, 0], [0, 1, 1]]


def test_confusion_matrix_by_hand_and_against_sklearn():
    cm = metrics.confusion_matrix(Y_TRUE, Y_PRED)
    assert cm.tolist() == HAND_CM
    assert np.array_equal(cm.numpy(), sk_confusion_matrix(Y_TRUE, Y_PRED))


def test_precision_recall_f1_by_hand():
    precision, recall, f1 = metrics.precision_recall_f1(Y_TRUE, Y_PRED)
    # class 0: TP 2, FP 1 (a true 1), FN 1 -> P = R = 2/3;  class 1: TP 2, FP 2, FN 1 -> P 1/2, R 2/3
    # class 2: TP 1, FP 0, FN 1 -> P 1, R 1/2
    assert torch.allclose(precision, torch.tensor([2 / 3, 1 / 2, 1.0], dtype=torch.float64))
    assert torch.allclose(recall, torch.tensor([2 / 3, 2 / 3, 1 / 2], dtype=torch.float64))
    expected_f1 = torch.tensor([2 / 3, 2 * (1 / 2) * (2 / 3) / (1 / 2 + 2 / 3), 2 * 0.5 / 1.5], dtype=torch.float64)
    assert torch.allclose(f1, expected_f1)
    micro = metrics.precision_recall_f1(Y_TRUE, Y_PRED, average="micro")
    assert micro == pytest.approx((5 / 8, 5 / 8, 5 / 8))      # single-label data: micro = accuracy
    macro = metrics.precision_recall_f1(Y_TRUE, Y_PRED, average="macro")
    assert macro[2] == pytest.approx(expected_f1.mean().item())  # macro-F1 averages per-class F1


@pytest.mark.parametrize("average", [None, "macro", "micro", "weighted"])
@pytest.mark.parametrize("seed, classes, n", [(0, 2, 50), (1, 3, 200), (2, 7, 300), (3, 10, 40)])
def test_precision_recall_f1_match_sklearn_on_random_labels(seed, classes, n, average):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, classes, n)
    y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, classes, n))   # 60% right plus chance
    ours = metrics.precision_recall_f1(torch.from_numpy(y_true), torch.from_numpy(y_pred), average=average,
                                       num_classes=classes)
    theirs = precision_recall_fscore_support(y_true, y_pred, average=average, labels=list(range(classes)),
                                             zero_division=0)[:3]
    for a, b in zip(ours, theirs):
        assert np.allclose(np.asarray(a), b)


def test_binary_average_and_zero_division_match_sklearn():
    y_true = [1, 0, 1, 1, 0, 0, 1]
    y_pred = [1, 0, 0, 1, 1, 0, 1]
    ours = metrics.precision_recall_f1(y_true, y_pred, average="binary")
    assert ours == pytest.approx(tuple(precision_recall_fscore_support(y_true, y_pred, average="binary")[:3]))
    # class 2 is never predicted and class 3 never occurs: 0/0 counts as 0, as scikit-learn's zero_division=0
    y_true, y_pred = [0, 1, 2, 2, 1], [0, 1, 1, 3, 1]
    ours = metrics.precision_recall_f1(y_true, y_pred, num_classes=4)
    theirs = precision_recall_fscore_support(y_true, y_pred, labels=[0, 1, 2, 3], zero_division=0)[:3]
    for a, b in zip(ours, theirs):
        assert np.allclose(a.numpy(), b)


def test_macro_average_leaves_out_label_ids_that_never_occur():
    """Label 1 is in neither y_true nor y_pred: scikit-learn's classes are 0 and 2, so macro F1 is (2/3 + 2/3) / 2,
    not (2/3 + 0 + 2/3) / 3.  Stating the classes (num_classes=3, scikit-learn's labels=[0, 1, 2]) counts it."""
    y_true, y_pred = [0, 2, 2], [0, 2, 0]
    macro = metrics.precision_recall_f1(y_true, y_pred, average="macro")
    assert macro[2] == pytest.approx(2 / 3)
    assert macro == pytest.approx(tuple(precision_recall_fscore_support(y_true, y_pred, average="macro")[:3]))
    stated = metrics.precision_recall_f1(y_true, y_pred, average="macro", num_classes=3)
    assert stated[2] == pytest.approx(4 / 9)
    assert stated == pytest.approx(tuple(precision_recall_fscore_support(y_true, y_pred, average="macro",
                                                                          labels=[0, 1, 2], zero_division=0)[:3]))


def labels_with_gaps(seed: int, n: int = 60):
    """y_true and y_pred over a few scattered ids of 0..11: some ids only in y_pred, some only in y_true."""
    rng = np.random.default_rng(seed)
    ids = np.sort(rng.choice(12, size=int(rng.integers(2, 6)), replace=False))
    y_true = rng.choice(ids[:-1] if seed % 2 else ids, n)                # odd seeds: the last id is only predicted
    y_pred = np.where(rng.random(n) < 0.5, y_true, rng.choice(ids, n))
    if seed % 3 == 0:
        y_pred[y_pred == ids[0]] = ids[1]                                   # the first id is never predicted
    return y_true, y_pred


@pytest.mark.parametrize("zero_division", [0.0, 1.0, np.nan])
@pytest.mark.parametrize("average", [None, "macro", "micro", "weighted"])
@pytest.mark.parametrize("seed", range(6))
def test_precision_recall_f1_match_sklearn_with_gaps_in_the_label_ids(seed, average, zero_division):
    y_true, y_pred = labels_with_gaps(seed)
    present = np.union1d(y_true, y_pred)
    ours = metrics.precision_recall_f1(y_true, y_pred, average=average, zero_division=zero_division)
    theirs = precision_recall_fscore_support(y_true, y_pred, average=average, zero_division=zero_division)[:3]
    for a, b in zip(ours, theirs):
        if average is None:                                   # one value per id; ids that never occur are no class
            assert len(a) == present.max() + 1 and torch.isnan(a[np.setdiff1d(np.arange(len(a)), present)]).all()
            a = a[present]
        assert np.allclose(np.asarray(a), b, equal_nan=True)
    # with the classes stated, every id counts, as scikit-learn's labels=range(C)
    ours = metrics.precision_recall_f1(y_true, y_pred, average=average, num_classes=12, zero_division=zero_division)
    theirs = precision_recall_fscore_support(y_true, y_pred, average=average, labels=list(range(12)),
                                             zero_division=zero_division)[:3]
    for a, b in zip(ours, theirs):
        assert np.allclose(np.asarray(a), b, equal_nan=True)


def test_bad_inputs_fail_clearly():
    with pytest.raises(ValueError, match="differ in length"):
        metrics.confusion_matrix([0, 1], [0])
    with pytest.raises(ValueError, match="average"):
        metrics.precision_recall_f1([0, 1], [0, 1], average="mean")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.reliability([1.2], [1])


def test_ece_by_hand():
    # two predictions at 0.9 (one right), two at 0.6 (both right):
    # bin (0.8, 0.9]: accuracy 0.5, confidence 0.9 -> gap 0.4, share 1/2;  bin (0.5, 0.6]: gap 0.4, share 1/2
    ece = metrics.expected_calibration_error([0.9, 0.9, 0.6, 0.6], [1, 0, 1, 1], bins=10)
    assert ece == pytest.approx(0.4)
    assert metrics.expected_calibration_error([0.75, 0.75, 0.75, 0.75], [1, 1, 1, 0]) == pytest.approx(0.0)


@pytest.mark.parametrize("bins", [5, 10, 15])
def test_reliability_matches_sklearn_calibration_curve(bins):
    rng = np.random.default_rng(bins)
    prob = rng.random(400)
    prob[:8] = [0.0, 0.1, 0.2, 0.3, 0.5, 0.6, 0.9, 1.0]     # values on bin edges land where scikit-learn puts them
    outcome = (rng.random(400) < prob).astype(int)
    r = metrics.reliability(prob, outcome, bins=bins)
    prob_true, prob_pred = calibration_curve(outcome, prob, n_bins=bins, strategy="uniform")
    seen = r.counts > 0
    assert int(r.counts.sum()) == 400
    assert np.allclose(r.accuracy[seen].numpy(), prob_true)
    assert np.allclose(r.confidence[seen].numpy(), prob_pred)
    assert torch.isnan(r.accuracy[~seen]).all()
    # ECE is the count-weighted mean gap of the same bins
    weights = r.counts[seen].numpy() / 400
    assert r.ece == pytest.approx(float((weights * np.abs(prob_true - prob_pred)).sum()))


def test_existing_metrics_still_work():
    model = torch.nn.Linear(2, 2)
    model.predict = lambda x: x.argmax(dim=1)
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0]])
    assert metrics.accuracy(model, x, torch.tensor([0, 1, 1])) == pytest.approx(2 / 3)
    assert metrics.majority_baseline(torch.tensor([1, 1, 0]), torch.tensor([1, 0])) == pytest.approx(0.5)


def test_zero_division_must_be_one_of_scikit_learns_values():
    with pytest.raises(ValueError, match="zero_division"):
        metrics.precision_recall_f1([0, 1], [0, 1], zero_division="warn")


@pytest.mark.parametrize("seed", range(6))
def test_confusion_matrix_matches_sklearn_with_gaps_in_the_label_ids(seed):
    """Row and column c are id c (scikit-learn's labels=range(C)); scikit-learn without labels drops the ids
    that never occur, which are rows and columns of zeros here."""
    y_true, y_pred = labels_with_gaps(seed)
    cm = metrics.confusion_matrix(y_true, y_pred)
    present = np.union1d(y_true, y_pred)
    assert np.array_equal(cm.numpy(), sk_confusion_matrix(y_true, y_pred, labels=range(len(cm))))
    assert np.array_equal(cm.numpy()[np.ix_(present, present)], sk_confusion_matrix(y_true, y_pred))
    assert np.array_equal(metrics.confusion_matrix(y_true, y_pred, num_classes=12).numpy(),
                          sk_confusion_matrix(y_true, y_pred, labels=range(12)))
