"""aigc_lab.deploy: pre-processing, int8 quantisation, pruning, distillation, serialisation and export."""
from __future__ import annotations

import copy
import warnings

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import prune

from aigc_lab import checkpoint, runtime, train
from aigc_lab.data.image import shuffled_batches
from aigc_lab.data.text import sentiment_sentences
from aigc_lab.deploy import compression as cz
from aigc_lab.deploy import export, preprocess
from aigc_lab.text.text_cnn import TextCNN, TextCNNConfig


@pytest.fixture(scope="module")
def data():
    return preprocess.review_splits(sentiment_sentences(400, 100, seed=1), seed=1)


@pytest.fixture(scope="module")
def model(data):
    """A small TextCNN trained for a few seconds on the cleaned reviews' topics."""
    runtime.seed_everything(0)
    runtime.set_threads(1)
    net = TextCNN(TextCNNConfig(len(data.pipeline.vocab), len(data.pipeline.classes), embed=16, channels=24))
    train.fit(net, shuffled_batches(data.x_train, data.y_train, 64), steps=80, lr=1e-2, device="cpu", progress=False)
    return net.eval()


def accuracy(net, x, y) -> float:
    with torch.no_grad():
        return (net(x).argmax(dim=1) == y).float().mean().item()


# --------------------------------------------------------------------------- pre-processing
def test_clean_text_undoes_each_kind_of_mess():
    messy = ("  The SOUP\u00a0was <b>\uff47\uff52\uff45\uff41\uff54</b>&nbsp;,\u200b and  fun <br/> "
             "https://x.example/r/1 \n")
    assert preprocess.clean_text(messy) == "the soup was great , and fun"
    assert preprocess.tokenize("the soup, was great.") == ["the", "soup", ",", "was", "great", "."]
    assert preprocess.clean_text("&lt;b&gt; stays text") == "<b> stays text"     # escaped tags are not tags


def test_cleaning_recovers_the_generated_sentences_and_drops_bad_rows():
    corpus = sentiment_sentences(300, 50, seed=2)
    raw = preprocess.messy_reviews(corpus, seed=2)
    assert any(r.text != r.text.strip() or "<" in r.text for r in raw), "the raw rows are untidy"
    reviews, report = preprocess.clean_reviews(raw)
    originals = {s.tokens: s.topic for s in corpus.train + corpus.test}
    assert all(originals.get(r.tokens) == r.label for r in reviews)
    assert len({r.tokens for r in reviews}) == len(reviews), "no duplicates are kept"
    assert report["rows"] == len(raw) == report["kept"] + report["empty"] + report["unlabelled"] + report["duplicate"]
    assert report["duplicate"] > 0 and report["empty"] > 0
    assert preprocess.messy_reviews(corpus, seed=2) == raw, "deterministic for a seed"
    sentiment, _ = preprocess.clean_reviews(preprocess.messy_reviews(corpus, target="label", seed=2))
    assert {r.label for r in sentiment} == {"negative", "positive"}
    with pytest.raises(ValueError, match="target"):
        preprocess.messy_reviews(corpus, target="mood")


def test_stratified_split_is_disjoint_complete_and_balanced():
    labels = ["a"] * 50 + ["b"] * 30 + ["c"] * 20
    train_idx, val_idx, test_idx = preprocess.stratified_split(labels, (0.8, 0.1, 0.1), seed=0)
    assert sorted(train_idx + val_idx + test_idx) == list(range(100))
    for c, n in (("a", 50), ("b", 30), ("c", 20)):
        assert sum(labels[i] == c for i in test_idx) == round(0.1 * n)
    assert preprocess.stratified_split(labels, seed=0) == [train_idx, val_idx, test_idx]
    with pytest.raises(ValueError):
        preprocess.stratified_split(labels, (0.5, 0.2))


def test_pipeline_round_trips_through_json_and_encodes_raw_text(data):
    pipeline = preprocess.TextPipeline.from_dict(data.pipeline.to_dict())
    texts = ["The HOTEL <b>room</b> was great!", "zzz unknownword ."]
    assert torch.equal(pipeline.encode_texts(texts), data.pipeline.encode_texts(texts))
    ids = pipeline.encode_texts(texts)
    assert ids.shape == (2, pipeline.max_len) and ids[1, 0] == 1, "unknown words get id 1"


# --------------------------------------------------------------------------- quantisation
@pytest.mark.parametrize("per_channel", [False, True])
def test_int8_quantiser_matches_torch(per_channel):
    w = torch.randn(12, 20, generator=torch.Generator().manual_seed(0))
    q, scale = cz.quantize_tensor_int8(w, per_channel=per_channel)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")        # torch's quantised tensors are deprecated; still the reference here
        if per_channel:
            reference = torch.quantize_per_channel(w, scale.squeeze(1).double(), torch.zeros(12, dtype=torch.long), 0,
                                                   torch.qint8)
        else:
            reference = torch.quantize_per_tensor(w, scale.item(), 0, torch.qint8)
    assert torch.equal(q, reference.int_repr())
    assert ((q.float() * scale - w).abs() <= scale * (0.5 + 1e-5)).all(), "each weight is off by at most half a step"


def test_int8_quantiser_matches_torch_dynamic_quantisation_weights():
    linear = nn.Linear(20, 12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        packed = cz.torch_dynamic_int8(nn.Sequential(linear))[0].weight()
    q, scale = cz.quantize_tensor_int8(linear.weight, per_channel=False)
    assert torch.equal(q, packed.int_repr())
    assert packed.q_scale() == pytest.approx(scale.item())


def test_quantised_model_is_close_to_the_float_model(data, model):
    small = cz.quantize_int8(model)
    assert not any(type(m) is nn.Linear for m in small.modules()), "every Linear was replaced"
    assert any(type(m) is nn.Linear for m in model.modules()), "the original is untouched"
    with torch.no_grad():
        full, quantised = model(data.x_test), small(data.x_test)
    assert (full - quantised).abs().max() < 0.05 * full.abs().max()
    assert (full.argmax(1) == quantised.argmax(1)).float().mean() >= 0.98
    assert abs(accuracy(small, data.x_test, data.y_test) - accuracy(model, data.x_test, data.y_test)) <= 0.01
    assert cz.model_size_bytes(small) < 0.7 * cz.model_size_bytes(model)   # the embedding stays float
    torch_small = cz.torch_dynamic_int8(model)
    assert abs(accuracy(torch_small, data.x_test, data.y_test) - accuracy(model, data.x_test, data.y_test)) <= 0.02
    assert cz.model_size_bytes(torch_small) < 0.7 * cz.model_size_bytes(model)


# --------------------------------------------------------------------------- pruning
@pytest.mark.parametrize("amount", [0.0, 0.3, 0.8, 0.95])
def test_pruning_reaches_the_asked_sparsity_in_every_layer_and_matches_torch(model, amount):
    pruned, masks = cz.magnitude_prune(model, amount)
    weights = cz.prunable_weights(pruned)
    for name, w in weights.items():
        assert (w == 0).sum().item() >= round(amount * w.numel())
        reference = copy.deepcopy(model)
        module = reference.get_submodule(name.rsplit(".", 1)[0])
        prune.l1_unstructured(module, "weight", amount=amount)
        assert torch.equal(masks[name], module.weight_mask.bool()), name
    assert cz.sparsity(pruned) >= amount - 1e-3
    assert cz.sparsity(model) < 0.05, "the original is untouched"


def test_masks_keep_pruned_weights_at_zero_while_fine_tuning(data, model):
    pruned, masks = cz.magnitude_prune(model, 0.7)
    train.fit(pruned, shuffled_batches(data.x_train, data.y_train, 32), steps=5, lr=1e-2, device="cpu",
              on_step_end=lambda step, m: cz.apply_masks(m, masks), progress=False)
    for name, w in cz.prunable_weights(pruned).items():
        assert (w[~masks[name]] == 0).all()
    assert cz.compressed_size_bytes(pruned) < 0.6 * cz.compressed_size_bytes(model)
    with pytest.raises(ValueError):
        cz.magnitude_prune(model, 1.0)


# --------------------------------------------------------------------------- distillation
def test_distillation_loss_is_the_written_formula():
    g = torch.Generator().manual_seed(0)
    s, t, y = torch.randn(6, 5, generator=g), torch.randn(6, 5, generator=g), torch.randint(0, 5, (6,), generator=g)
    T, alpha = 3.0, 0.6
    p_t = F.softmax(t / T, dim=1)
    kl = (p_t * (p_t.log() - F.log_softmax(s / T, dim=1))).sum(dim=1).mean()
    expected = alpha * T * T * kl + (1 - alpha) * F.cross_entropy(s, y)
    assert torch.allclose(cz.distillation_loss(s, t, y, temperature=T, alpha=alpha), expected, atol=1e-6)
    assert torch.allclose(cz.distillation_loss(s, t, y, alpha=0.0), F.cross_entropy(s, y))
    assert cz.distillation_loss(t, t, y, alpha=1.0).abs() < 1e-6


def test_distillation_trains_only_the_student(data, model):
    runtime.seed_everything(0)
    student = TextCNN(TextCNNConfig(len(data.pipeline.vocab), len(data.pipeline.classes), embed=8, channels=8))
    wrapper = cz.Distillation(student, model)
    assert {id(p) for p in wrapper.parameters()} == {id(p) for p in student.parameters()}
    before = copy.deepcopy(model.state_dict())
    history = train.fit(wrapper, shuffled_batches(data.x_train, data.y_train, 64), steps=60, lr=1e-2, device="cpu",
                        log_every=10, progress=False)
    assert history.train_loss[-1] < history.train_loss[0]
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items()), "the teacher did not move"
    assert all(p.requires_grad for p in model.parameters()), "the teacher is left as it was given"
    majority = (data.y_test == torch.bincount(data.y_train).argmax()).float().mean().item()
    assert accuracy(student, data.x_test, data.y_test) > majority + 0.2


# --------------------------------------------------------------------------- serialisation and export
def test_safetensors_round_trip_of_float_and_int8_models(tmp_path, data, model):
    config = TextCNNConfig(len(data.pipeline.vocab), len(data.pipeline.classes), embed=16, channels=24)
    for name, net, blank in [("float", model, TextCNN(config)),
                             ("int8", cz.quantize_int8(model), cz.quantize_int8(TextCNN(config)))]:
        checkpoint.save(tmp_path / name, net, config={"pipeline": data.pipeline.to_dict()})
        checkpoint.load(tmp_path / name, blank)
        assert all(torch.equal(a, b) for a, b in zip(net.state_dict().values(), blank.eval().state_dict().values()))
        pipeline = preprocess.TextPipeline.from_dict(checkpoint.read_state(tmp_path / name)["config"]["pipeline"])
        with torch.no_grad():
            assert torch.equal(blank(pipeline.encode_texts(["the plot was dull ."])),
                               net(data.pipeline.encode_texts(["the plot was dull ."])))
        assert not list((tmp_path / name).glob("*.pt")), "no pickle files"


def test_exported_program_round_trip_equals_the_model(tmp_path, data, model):
    program = export.export_program(model, data.x_test[:4])
    path = export.save_program(program, tmp_path / "model.pt2")
    loaded = export.load_program(path).module()
    with torch.no_grad():
        for x in (data.x_test, data.x_test[:1]):              # batch size is free, down to one
            assert torch.allclose(loaded(x), model(x), atol=1e-6)
            assert torch.equal(loaded(x), program.module()(x)), "saving and loading change nothing"
    int8 = cz.quantize_int8(model)
    with torch.no_grad():
        assert torch.allclose(export.export_program(int8, data.x_test[:4]).module()(data.x_test), int8(data.x_test),
                              atol=1e-5)


def test_onnx_export_round_trip_where_installed(tmp_path, data, model):
    pytest.importorskip("onnxscript")
    pytest.importorskip("onnxruntime")
    path = export.export_onnx(model, data.x_test[:4], tmp_path / "model.onnx")
    logits = export.run_onnx(path, data.x_test)
    with torch.no_grad():
        assert torch.allclose(logits, model(data.x_test), atol=1e-4)


def test_onnx_helpers_return_none_without_the_packages(monkeypatch, data, model, tmp_path):
    monkeypatch.setattr(export, "available", lambda name: False)
    assert export.export_onnx(model, data.x_test[:4], tmp_path / "m.onnx") is None
    assert export.run_onnx(tmp_path / "m.onnx", data.x_test) is None


# --------------------------------------------------------------------------- the comparison table
def test_compare_reports_every_variant(data, model):
    pruned, _ = cz.magnitude_prune(model, 0.5)
    rows = cz.compare({"float32": model, "int8": cz.quantize_int8(model), "pruned": pruned},
                      data.x_test, data.y_test, repeats=2)
    assert [r["model"] for r in rows] == ["float32", "int8", "pruned"]
    assert all(r["ms_batch"] > 0 and r["ms_one"] > 0 and 0 <= r["accuracy"] <= 1 for r in rows)
    assert rows[2]["nonzero"] < 0.6 * rows[0]["nonzero"]
    assert rows[1]["bytes"] < rows[0]["bytes"]
    table = cz.markdown_table(rows)
    assert table.count("\n") == 4 and "| int8 |" in table
